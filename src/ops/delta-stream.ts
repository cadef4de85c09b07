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
import { sha256, type Digest } from '../oci/digest.js';
import { chainIds } from '../oci/identities.js';
import { parseConfig } from '../oci/types.js';
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
import { blobName, tagAnnotations } from '../transports/oci-layout/write.js';
import { blobPathHex, legacyLayerId, parseManifestJson } from '../transports/docker-archive/grammar.js';
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

export async function streamDelta(input: AsyncIterable<Buffer>, label: string, have: HaveSet, out: Writable, output: string, layout: DeltaLayout = 'oci'): Promise<StreamDeltaResult> {
  const tw = new TarWriter(out);
  const docs = new Map<string, Buffer>();
  const links = new Map<string, { raw: Buffer; target: string }>();
  const passed = new Map<string, Passed>();
  const lowerNames = have.lowerV1Names();
  const spool = await tempDir('stowage-delta-');
  const spoolDir = spool.dir;
  let spooledBytes = 0;
  let exact: Map<string, boolean> | undefined; // path -> needed, once manifest.json and every config are known

  /** Exact decisions, as soon as manifest.json and the configs it names have all gone by. */
  const tryExact = (): void => {
    if (exact || !docs.has('manifest.json')) return;
    const items = parseManifestJson(docs.get('manifest.json')!, `${label}: manifest.json`);
    if (!items.every((i) => docs.has(i.Config))) return;
    exact = new Map();
    for (const i of items) {
      const cfg = parseConfig(docs.get(i.Config)!, `${label}: ${i.Config}`);
      const chains = chainIds(cfg.rootfs.diff_ids);
      i.Layers.forEach((p, k) => exact!.set(p, (exact!.get(p) ?? false) || !have.has(chains[k]!)));
    }
  };

  const early = (name: string, head: Buffer): 'write' | 'skip' | 'spool' => {
    tryExact();
    if (exact) return exact.get(name) ? 'write' : 'skip';
    const legacy = legacyLayerId(name);
    if (legacy) {
      if (lowerNames.has(legacy)) return 'skip';
      const json = docs.get(`${legacy}/json`);
      // A Docker 25+ layout names blobs by digest, not yet known: a needed legacy layer waits in the spool.
      if (json && layout === 'legacy') {
        try {
          const j = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
          if (j.created === EPOCH && j.config === undefined) return 'write';
        } catch { /* not a decision */ }
      }
      return 'spool';
    }
    const blob = blobPathHex(name);
    if (blob && sniff(head) === 'none' && !have.diffIds.has(`sha256:${blob}` as Digest)) return 'write';
    return 'spool';
  };

  try {
    const src = new StreamByteSource(input);
    try {
      for await (const e of readTar(src, { what: label })) {
        const name = normalizeEntryName(e.header.name);
        if (e.header.type === 'symlink' || e.header.type === 'hardlink') {
          links.set(name, { raw: e.raw, target: e.header.type === 'symlink' ? resolveInside(`${dirOf(name)}/${e.header.linkname}`) ?? '' : normalizeEntryName(e.header.linkname) });
          continue;
        }
        if (e.header.type !== 'file') continue;
        const size = e.header.size;
        const { head, rest } = await peek(e.body(), SNIFF_BYTES);
        if (size <= SMALL || (looksLikeJson(head) && size <= JSON_LIMIT)) {
          const parts: Buffer[] = [];
          for await (const c of rest) parts.push(Buffer.from(c));
          docs.set(name, Buffer.concat(parts));
          continue;
        }
        const fate = early(name, head);
        const h = createHash('sha256');
        const sniffed = sniff(head);
        const compression = sniffed === 'none' || sniffed === 'gzip' || sniffed === 'zstd' ? sniffed : 'other';
        if (fate === 'skip') {
          for await (const _ of rest) { /* the target has it */ }
          passed.set(name, { raw: e.raw, size, digest: sha256(''), plain: sniffed === 'none', compression, fate: 'skipped' });
          continue;
        }
        if (fate === 'write') {
          await tw.addRaw(e.raw, size, (async function* () { for await (const c of rest) { h.update(c); yield c; } })(), name);
        } else {
          const file = join(spoolDir, String(passed.size));
          await writeChunks(file, rest, { onChunk: (c) => h.update(c) });
          spooledBytes += size;
          passed.set(name, { raw: e.raw, size, digest: `sha256:${h.digest('hex')}`, plain: sniffed === 'none', compression, fate: 'spooled', spool: file });
          continue;
        }
        passed.set(name, { raw: e.raw, size, digest: `sha256:${h.digest('hex')}`, plain: sniffed === 'none', compression, fate: 'written' });
      }
    } finally {
      await src.close();
    }

    // Everything has gone by: decide exactly, check what was written, and finish the archive.
    if (!docs.has('manifest.json')) throw new StowageError(`${label}: no manifest.json, so not a docker save archive`);
    const items = parseManifestJson(docs.get('manifest.json')!, `${label}: manifest.json`);
    const images = items.map((i) => {
      const cbytes = docs.get(i.Config);
      if (!cbytes) throw new StowageError(`${label}: config ${i.Config} is missing`);
      const cfg = parseConfig(cbytes, `${label}: ${i.Config}`);
      if (cfg.rootfs.diff_ids.length !== i.Layers.length) {
        throw new StowageError(`${label}: manifest.json lists ${i.Layers.length} layers but config ${i.Config} has ${cfg.rootfs.diff_ids.length} DiffIDs`);
      }
      return { item: i, cfg, imageId: sha256(cbytes), chains: chainIds(cfg.rootfs.diff_ids) };
    });
    const resolve = (p: string): string => {
      for (let hops = 0; hops < LINK_HOPS; hops++) {
        const l = links.get(p);
        if (!l) return p;
        if (!l.target) throw new StowageError(`${label}: link ${p} points outside the archive`);
        p = l.target;
      }
      throw new StowageError(`${label}: link cycle at ${p}`);
    };
    const plans = planDelta(images.map((im) => ({
      tags: im.item.RepoTags, imageId: im.imageId,
      layers: im.cfg.rootfs.diff_ids.map((d, k) => ({ diffId: d, chainId: im.chains[k]!, size: passed.get(resolve(im.item.Layers[k]!))?.size ?? docs.get(resolve(im.item.Layers[k]!))?.length ?? 0 })),
    })), have);

    const written = new Set<string>();
    /** Per image, per layer: the blob its manifest names (Docker 25+ layout). */
    const blobs: Descriptor[][] = images.map(() => []);
    for (const [n, im] of images.entries()) {
      for (const [k, path] of im.item.Layers.entries()) {
        const plan = plans[n]!.layers[k]!;
        const real = resolve(path);
        const p = passed.get(real);
        const small = docs.get(real);
        const diffId = im.cfg.rootfs.diff_ids[k]!;
        if (!plan.included) {
          if (layout === 'legacy') continue;
          const blob = blobForLeftOut(have, {
            chainId: plan.chainId, diffId,
            ...(p && p.compression !== 'other' ? { compression: p.compression } : {}),
            ...(p ? { storedSize: p.size } : small ? { storedSize: small.length, compression: sniff(small.subarray(0, SNIFF_BYTES)) } : {}),
          });
          if (!blob) throw new StowageError(`${label}: layer ${k + 1} of ${im.item.RepoTags[0] ?? im.imageId}: no blob digest is known for it; use --layout legacy for a classic engine`);
          plan.blob = blob;
          blobs[n]![k] = blob;
          continue;
        }
        if (!p && !small) throw new StowageError(`${label}: layer ${k + 1} of ${im.item.RepoTags[0] ?? im.imageId} (${path}) is not in the input`);
        if (p?.fate === 'skipped') {
          throw new StowageError(`${label}: layer ${path} was skipped as held by the target, but another image needs it; save the images to a file and run delta on the file`);
        }
        const digest = p ? p.digest : sha256(small!);
        const plain = p ? p.plain : sniff(small!.subarray(0, SNIFF_BYTES)) === 'none';
        if (plain && digest !== diffId) throw new StowageError(`${label}: layer ${k + 1} of ${im.item.RepoTags[0] ?? im.imageId} (${path}): DiffID is ${digest}, but the config says ${diffId}`);
        const named = blobPathHex(real);
        if (named && digest !== `sha256:${named}`) throw new StowageError(`${label}: ${real} hashes to ${digest}, not to the digest in its name`);
        const c = p ? p.compression : sniff(small!.subarray(0, SNIFF_BYTES));
        if (layout === 'oci') {
          if (c !== 'none' && c !== 'gzip' && c !== 'zstd') throw new StowageError(`${label}: layer ${k + 1} of ${im.item.RepoTags[0] ?? im.imageId} is neither tar, gzip nor zstd`);
          const blob: Descriptor = { mediaType: '', digest, size: p ? p.size : small!.length };
          blobs[n]![k] = { ...blob, mediaType: c };
          const target = blobName(digest);
          if (written.has(target)) continue;
          written.add(target);
          if (p?.fate === 'written') continue; // went through under its digest name
          if (p?.fate === 'spooled') await tw.add({ name: target, type: 'file', size: p.size, mode: 0o644, mtime: 0 }, createReadStream(p.spool!, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
          else await tw.addFile(target, small!);
          continue;
        }
        if (!written.has(real)) {
          written.add(real);
          if (p?.fate === 'spooled') await tw.addRaw(p.raw, p.size, createReadStream(p.spool!, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>, real);
          else if (small) await tw.addFile(real, small);
        }
        if (real !== path && !written.has(path)) {
          written.add(path);
          await tw.addRaw(links.get(path)!.raw, 0, undefined, path);
        }
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
      spooledBytes,
    };
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
    for (const [name, data] of [[blobName(img.configDigest), img.config], [blobName(digest), bytes]] as const) {
      if (written.has(name)) continue;
      written.add(name);
      await tw.addFile(name, data);
    }
    const base: Descriptor = { mediaType: OCI_MANIFEST, digest, size: bytes.length };
    if (img.tags.length === 0) entries.push(base);
    else for (const t of img.tags) entries.push({ ...base, annotations: tagAnnotations(t) });
    items.push({
      Config: blobName(img.configDigest),
      RepoTags: img.tags.length ? img.tags.map((t) => formatReference(withDefaultTag(parseReference(t)))) : null,
      Layers: layers.map((d) => blobName(d.digest)),
    });
  }
  await tw.addFile('index.json', indexJson(entries, { [WRITER_ANNOTATION]: 'stowage' }));
  await tw.addFile('manifest.json', Buffer.from(JSON.stringify(items) + '\n'));
  await tw.addFile('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
}
