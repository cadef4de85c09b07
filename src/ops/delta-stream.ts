/**
 * delta in one pass over a stream (`docker save app | stowage delta - --have have.json -o - | docker load`):
 * the input tar is filtered into the thin archive as it goes by, with bounded memory. Small documents are kept;
 * a layer is written through at once when it is surely needed, skipped at once when the target surely has it,
 * and spooled to a temporary file only when that cannot be known before manifest.json arrives (docker save
 * writes manifest.json last). Sure decisions before manifest.json come from:
 * - a legacy `<v1id>/layer.tar` whose v1 name is what a stack the target holds would be named as a lower layer
 *   (lower-layer names depend on ChainIDs alone): skip;
 * - a legacy layer whose `<v1id>/json` says it is a lower layer, with a name the target's stacks do not give:
 *   its stack is not on the target: write;
 * - an uncompressed `blobs/sha256/<hex>` layer (Docker 25+) whose digest, hence DiffID, the target has nowhere:
 *   write.
 * The output is in the Docker 25+ layout by default (see delta.ts for why every engine loads it thin): a layer is
 * written through only when the input already names it by blob digest; a legacy `<v1id>/layer.tar` that is needed
 * is spooled, then stored under its digest once it is known, and the documents (configs, manifests, index.json,
 * manifest.json) follow the blobs, as in a `docker save`. With layout 'legacy', paths are kept as the input names
 * them and manifest.json goes out unchanged (it lists every layer).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { StowageError } from '../errors.js';
import { JSON_LIMIT, LINK_HOPS } from '../limits.js';
import { SNIFF_BYTES, sniff } from '../compress/detect.js';
import { normalizeEntryName, resolveInside, dirOf } from '../fs/paths.js';
import { tempDir } from '../fs/temp.js';
import { peek } from '../hash/layer-digest.js';
import { blobPath, sha256, type Digest } from '../oci/digest.js';
import { chainIds } from '../oci/identities.js';
import { parseConfig, type ImageConfig } from '../oci/types.js';
import { StreamByteSource } from '../tar/bytesource.js';
import { readTar } from '../tar/reader.js';
import { TarWriter } from '../tar/writer.js';
import type { Compression } from '../compress/detect.js';
import { manifestFor } from '../image/manifest.js';
import type { WritableImage } from '../image/writable.js';
import { formatReference, parseReference, withDefaultTag } from '../oci/reference.js';
import type { Descriptor } from '../oci/types.js';
import { layerTypeCompression, OCI_MANIFEST } from '../oci/mediatypes.js';
import { indexJson, WRITER_ANNOTATION } from '../image/manifest.js';
import { tagAnnotations } from '../transports/oci-layout/write.js';
import { blobPathHex, legacyLayerId, parseManifestJson, type ManifestItem } from '../transports/docker-archive/grammar.js';
import { DELTA_META } from './delta-meta.js';
import { blobForLeftOut, deltaMeta, planDelta, summarize, type DeltaLayout, type DeltaReport } from './delta.js';
import type { HaveSet } from './have.js';
import { writeChunks } from '../fs/write-chunks.js';

const SMALL = 64 << 10;
const EPOCH = '1970-01-01T00:00:00Z';

interface Passed {
  raw: Buffer;
  size: number;
  /** sha256 of the stored bytes, and whether they were uncompressed. */
  digest: Digest;
  plain: boolean;
  compression: Compression | 'other';
  /** Where it went: written through, skipped, or spooled to a file. */
  fate: 'written' | 'skipped' | 'spooled';
  spool?: string;
}

function looksLikeJson(head: Buffer): boolean {
  const c = head.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  return c === 0x7b || c === 0x5b;
}

export interface StreamDeltaResult extends DeltaReport {
  spooledBytes: number;
}

/** An image of the input, once manifest.json and its config have gone by. */
interface InputImage {
  item: ManifestItem;
  cfg: ImageConfig;
  imageId: Digest;
  chains: Digest[];
}

/**
 * One delta over one stream: the first pass takes the input entry by entry (documents kept, layers written through,
 * skipped or spooled), the second decides exactly and writes what was held back, then the documents.
 */
class DeltaStream {
  private readonly docs = new Map<string, Buffer>();
  private readonly links = new Map<string, { raw: Buffer; target: string }>();
  private readonly passed = new Map<string, Passed>();
  private readonly lowerNames: Set<string>;
  private readonly written = new Set<string>();
  private exact: Map<string, boolean> | undefined; // path -> needed, once manifest.json and every config are known
  spooledBytes = 0;

  constructor(private readonly label: string, private readonly have: HaveSet, private readonly layout: DeltaLayout, private readonly tw: TarWriter, private readonly spoolDir: string) {
    this.lowerNames = have.lowerV1Names();
  }

  /** Exact decisions, as soon as manifest.json and the configs it names have all gone by. */
  private tryExact(): void {
    const { docs } = this;
    if (this.exact || !docs.has('manifest.json')) return;
    const items = parseManifestJson(docs.get('manifest.json')!, `${this.label}: manifest.json`);
    if (!items.every((i) => docs.has(i.Config))) return;
    const exact = new Map<string, boolean>();
    for (const i of items) {
      const cfg = parseConfig(docs.get(i.Config)!, `${this.label}: ${i.Config}`);
      const chains = chainIds(cfg.rootfs.diff_ids);
      i.Layers.forEach((p, k) => exact.set(p, (exact.get(p) ?? false) || !this.have.has(chains[k]!)));
    }
    this.exact = exact;
  }

  private early(name: string, head: Buffer): 'write' | 'skip' | 'spool' {
    this.tryExact();
    if (this.exact) return this.exact.get(name) ? 'write' : 'skip';
    const legacy = legacyLayerId(name);
    if (legacy) {
      if (this.lowerNames.has(legacy)) return 'skip';
      const json = this.docs.get(`${legacy}/json`);
      // A Docker 25+ layout names blobs by digest, not yet known: a needed legacy layer waits in the spool.
      if (json && this.layout === 'legacy') {
        try {
          const j = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
          if (j.created === EPOCH && j.config === undefined) return 'write';
        } catch { /* not a decision */ }
      }
      return 'spool';
    }
    const blob = blobPathHex(name);
    if (blob && sniff(head) === 'none' && !this.have.diffIds.has(`sha256:${blob}` as Digest)) return 'write';
    return 'spool';
  }

  /** The first pass: every entry of the input, in the order it comes. */
  async take(input: AsyncIterable<Buffer>): Promise<void> {
    const src = new StreamByteSource(input);
    try {
      for await (const e of readTar(src, { what: this.label })) {
        const name = normalizeEntryName(e.header.name);
        if (e.header.type === 'symlink' || e.header.type === 'hardlink') {
          this.links.set(name, { raw: e.raw, target: e.header.type === 'symlink' ? resolveInside(`${dirOf(name)}/${e.header.linkname}`) ?? '' : normalizeEntryName(e.header.linkname) });
          continue;
        }
        if (e.header.type !== 'file') continue;
        const size = e.header.size;
        const { head, rest } = await peek(e.body(), SNIFF_BYTES);
        if (size <= SMALL || (looksLikeJson(head) && size <= JSON_LIMIT)) {
          const parts: Buffer[] = [];
          for await (const c of rest) parts.push(Buffer.from(c));
          this.docs.set(name, Buffer.concat(parts));
          continue;
        }
        await this.takeLayer(name, e.raw, size, head, rest);
      }
    } finally {
      await src.close();
    }
  }

  private async takeLayer(name: string, raw: Buffer, size: number, head: Buffer, rest: AsyncIterable<Buffer>): Promise<void> {
    const fate = this.early(name, head);
    const h = createHash('sha256');
    const sniffed = sniff(head);
    const compression = sniffed === 'none' || sniffed === 'gzip' || sniffed === 'zstd' ? sniffed : 'other';
    const plain = sniffed === 'none';
    if (fate === 'skip') {
      for await (const _ of rest) { /* the target has it */ }
      this.passed.set(name, { raw, size, digest: sha256(''), plain, compression, fate: 'skipped' });
    } else if (fate === 'write') {
      await this.tw.addRaw(raw, size, (async function* () { for await (const c of rest) { h.update(c); yield c; } })(), name);
      this.passed.set(name, { raw, size, digest: `sha256:${h.digest('hex')}`, plain, compression, fate: 'written' });
    } else {
      const file = join(this.spoolDir, String(this.passed.size));
      await writeChunks(file, rest, { onChunk: (c) => h.update(c) });
      this.spooledBytes += size;
      this.passed.set(name, { raw, size, digest: `sha256:${h.digest('hex')}`, plain, compression, fate: 'spooled', spool: file });
    }
  }

  private resolve(p: string): string {
    for (let hops = 0; hops < LINK_HOPS; hops++) {
      const l = this.links.get(p);
      if (!l) return p;
      if (!l.target) throw new StowageError(`${this.label}: link ${p} points outside the archive`);
      p = l.target;
    }
    throw new StowageError(`${this.label}: link cycle at ${p}`);
  }

  private images(): InputImage[] {
    const { docs, label } = this;
    if (!docs.has('manifest.json')) throw new StowageError(`${label}: no manifest.json, so not a docker save archive`);
    return parseManifestJson(docs.get('manifest.json')!, `${label}: manifest.json`).map((i) => {
      const cbytes = docs.get(i.Config);
      if (!cbytes) throw new StowageError(`${label}: config ${i.Config} is missing`);
      const cfg = parseConfig(cbytes, `${label}: ${i.Config}`);
      if (cfg.rootfs.diff_ids.length !== i.Layers.length) {
        throw new StowageError(`${label}: manifest.json lists ${i.Layers.length} layers but config ${i.Config} has ${cfg.rootfs.diff_ids.length} DiffIDs`);
      }
      return { item: i, cfg, imageId: sha256(cbytes), chains: chainIds(cfg.rootfs.diff_ids) };
    });
  }

  /** The second pass for one layer: checks what went by, writes what was held back; returns the blob a manifest names. */
  private async finishLayer(im: InputImage, k: number, plan: DeltaReport['images'][number]['layers'][number]): Promise<Descriptor | undefined> {
    const { label, layout, tw, written } = this;
    const path = im.item.Layers[k]!;
    const who = `layer ${k + 1} of ${im.item.RepoTags[0] ?? im.imageId}`;
    const real = this.resolve(path);
    const p = this.passed.get(real);
    const small = this.docs.get(real);
    const diffId = im.cfg.rootfs.diff_ids[k]!;
    if (!plan.included) {
      if (layout === 'legacy') return undefined;
      const blob = blobForLeftOut(this.have, {
        chainId: plan.chainId, diffId,
        ...(p && p.compression !== 'other' ? { compression: p.compression } : {}),
        ...(p ? { storedSize: p.size } : small ? { storedSize: small.length, compression: sniff(small.subarray(0, SNIFF_BYTES)) } : {}),
      });
      if (!blob) throw new StowageError(`${label}: ${who}: no blob digest is known for it; use --layout legacy for a classic engine`);
      plan.blob = blob;
      return blob;
    }
    if (!p && !small) throw new StowageError(`${label}: ${who} (${path}) is not in the input`);
    if (p?.fate === 'skipped') {
      throw new StowageError(`${label}: layer ${path} was skipped as held by the target, but another image needs it; save the images to a file and run delta on the file`);
    }
    const digest = p ? p.digest : sha256(small!);
    const plain = p ? p.plain : sniff(small!.subarray(0, SNIFF_BYTES)) === 'none';
    if (plain && digest !== diffId) throw new StowageError(`${label}: ${who} (${path}): DiffID is ${digest}, but the config says ${diffId}`);
    const named = blobPathHex(real);
    if (named && digest !== `sha256:${named}`) throw new StowageError(`${label}: ${real} hashes to ${digest}, not to the digest in its name`);
    const c = p ? p.compression : sniff(small!.subarray(0, SNIFF_BYTES));
    if (layout === 'oci') {
      if (c !== 'none' && c !== 'gzip' && c !== 'zstd') throw new StowageError(`${label}: ${who} is neither tar, gzip nor zstd`);
      const blob: Descriptor = { mediaType: c, digest, size: p ? p.size : small!.length };
      const target = blobPath(digest);
      if (written.has(target)) return blob;
      written.add(target);
      if (p?.fate === 'written') return blob; // went through under its digest name
      if (p?.fate === 'spooled') await tw.add({ name: target, type: 'file', size: p.size, mode: 0o644, mtime: 0 }, createReadStream(p.spool!, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
      else await tw.addFile(target, small!);
      return blob;
    }
    if (!written.has(real)) {
      written.add(real);
      if (p?.fate === 'spooled') await tw.addRaw(p.raw, p.size, createReadStream(p.spool!, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>, real);
      else if (small) await tw.addFile(real, small);
    }
    if (real !== path && !written.has(path)) {
      written.add(path);
      await tw.addRaw(this.links.get(path)!.raw, 0, undefined, path);
    }
    return undefined;
  }

  /** Everything has gone by: decide exactly, check what was written, and finish the archive. */
  async finish(output: string): Promise<StreamDeltaResult> {
    const { docs, tw, written, layout } = this;
    const images = this.images();
    const sizeOf = (p: string) => this.passed.get(this.resolve(p))?.size ?? docs.get(this.resolve(p))?.length ?? 0;
    const plans = planDelta(images.map((im) => ({
      tags: im.item.RepoTags, imageId: im.imageId,
      layers: im.cfg.rootfs.diff_ids.map((d, k) => ({ diffId: d, chainId: im.chains[k]!, size: sizeOf(im.item.Layers[k]!) })),
    })), this.have);
    /** Per image, per layer: the blob its manifest names (Docker 25+ layout). */
    const blobs: Descriptor[][] = images.map(() => []);
    for (const [n, im] of images.entries()) {
      for (const k of im.item.Layers.keys()) {
        const blob = await this.finishLayer(im, k, plans[n]!.layers[k]!);
        if (blob) blobs[n]![k] = blob;
      }
    }
    const sum = summarize(plans);
    const meta = Buffer.from(JSON.stringify(deltaMeta(plans, sum.requires), null, 2) + '\n');
    if (layout === 'legacy') {
      // The documents: manifest.json unchanged, the configs, the legacy repositories file, and what the delta needs.
      await tw.addFile('manifest.json', docs.get('manifest.json')!);
      for (const im of images) if (!written.has(im.item.Config)) { written.add(im.item.Config); await tw.addFile(im.item.Config, docs.get(im.item.Config)!); }
      if (docs.has('repositories')) await tw.addFile('repositories', docs.get('repositories')!);
    } else {
      await writeLayoutDocs(tw, images.map((im, n) => ({
        config: docs.get(im.item.Config)!, configDigest: im.imageId, tags: im.item.RepoTags,
        layers: blobs[n]!.map((b, k) => ({ diffId: im.cfg.rootfs.diff_ids[k]!, size: b.size, digest: b.digest, compression: compressionOf(b.mediaType), descriptor: b })),
      })), written);
    }
    await tw.addFile(DELTA_META, meta);
    await tw.finish();
    return {
      schema: 'stowage.delta/v1', output, layout, images: plans, included: sum.included, omitted: sum.omitted,
      archiveBytes: tw.bytes, fullBytes: tw.bytes + sum.omitted.bytes + sum.omitted.layers * 3072, nothingMissing: sum.nothingMissing,
      spooledBytes: this.spooledBytes,
    };
  }
}

export async function streamDelta(input: AsyncIterable<Buffer>, label: string, have: HaveSet, out: Writable, output: string, layout: DeltaLayout = 'oci'): Promise<StreamDeltaResult> {
  const spool = await tempDir('stowage-delta-');
  try {
    const d = new DeltaStream(label, have, layout, new TarWriter(out), spool.dir);
    await d.take(input);
    return await d.finish(output);
  } finally {
    await spool.remove();
  }
}

/** The media type of a blob this module names: a sniffed compression, or a held blob's own media type. */
function compressionOf(t: string): Compression {
  if (t === 'none' || t === 'gzip' || t === 'zstd') return t;
  const c = layerTypeCompression(t);
  return c ?? 'none';
}

/**
 * The Docker 25+ documents after the blobs, as `docker save` orders them: configs and manifests as blobs,
 * index.json (tags as containerd names them), manifest.json (for the classic store), oci-layout.
 */
async function writeLayoutDocs(tw: TarWriter, images: WritableImage[], written: Set<string>): Promise<void> {
  const entries: Descriptor[] = [];
  const items: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  for (const img of images) {
    // An OCI manifest: the containerd store finds a blob by digest whatever the media type says of it.
    const m = manifestFor(img);
    const { bytes, digest, layers } = m;
    for (const [name, data] of [[blobPath(img.configDigest), img.config], [blobPath(digest), bytes]] as const) {
      if (written.has(name)) continue;
      written.add(name);
      await tw.addFile(name, data);
    }
    const base: Descriptor = { mediaType: OCI_MANIFEST, digest, size: bytes.length };
    if (img.tags.length === 0) entries.push(base);
    else for (const t of img.tags) entries.push({ ...base, annotations: tagAnnotations(t) });
    items.push({
      Config: blobPath(img.configDigest),
      RepoTags: img.tags.length ? img.tags.map((t) => formatReference(withDefaultTag(parseReference(t)))) : null,
      Layers: layers.map((d) => blobPath(d.digest)),
    });
  }
  await tw.addFile('index.json', indexJson(entries, { [WRITER_ANNOTATION]: 'stowage' }));
  await tw.addFile('manifest.json', Buffer.from(JSON.stringify(items) + '\n'));
  await tw.addFile('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
}
