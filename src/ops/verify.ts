/**
 * verify: re-hashes every layer and blob of a source and checks each against every place that names it: blob
 * digests against their file names and descriptors, sizes, DiffIDs against the config, config digests against
 * their names, and manifest.json against index.json where an archive has both. Layers hash in parallel.
 */
import { createHash } from 'node:crypto';
import { blobPath, sha256, type Digest } from '../oci/digest.js';
import type { LayerDigests } from '../hash/layer-digest.js';
import { checkLayer } from '../image/proof.js';
import type { ImageSource, LayerRecord, SourceImage } from '../image/model.js';

export interface VerifiedLayer {
  index: number;
  path: string | null;
  diffId: Digest;
  /** What hashing the bytes gave; null when the layer is not in the source. */
  computed: { digest: Digest; size: number; compression: string; diffId: Digest; diffSize: number } | null;
  ok: boolean;
  problems: string[];
}

export interface VerifiedImage {
  tags: string[];
  imageId: Digest;
  ok: boolean;
  problems: string[];
  layers: VerifiedLayer[];
}

export interface VerifyReport {
  schema: 'stowage.verify/v1';
  source: string;
  format: string;
  flavor: string;
  ok: boolean;
  /** Problems that belong to the source as a whole (manifest.json against index.json, for example). */
  problems: string[];
  images: VerifiedImage[];
  /** Distinct stored bytes hashed. */
  bytesHashed: number;
  layersHashed: number;
  seconds: number;
}

export interface VerifyOptions {
  /** Layers the source may leave out (a thin archive made by `delta`): ChainIDs the target is known to hold. */
  allowAbsent?: (layer: LayerRecord) => boolean;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /**
   * When the reading began (process.hrtime.bigint()). A one-pass stream is hashed while it is opened, before
   * verify() runs: the time must count from there, or a stream reports an absurd rate.
   */
  startedAt?: bigint;
}

/** Images index.json lists that manifest.json does not: the classic engine and containerd would load different images. */
function unlistedInManifestJson(src: ImageSource, problems: string[]): void {
  for (const c of src.indexOnly ?? []) {
    if (!src.images.some((i) => i.config.digest === c)) problems.push(`index.json lists an image (config ${c}) that manifest.json does not`);
  }
}

/** Artifacts (not images) in a layout: their blobs must still match their descriptors. */
async function checkArtifacts(src: ImageSource, problems: string[]): Promise<number> {
  let bytes = 0;
  for (const a of src.artifacts ?? []) {
    for (const d of a.blobs) {
      const path = blobPath(d.digest);
      const blob = await src.blob(d.digest);
      if (!blob) {
        problems.push(`artifact ${a.digest}: blob ${d.digest} is missing`);
        continue;
      }
      const h = createHash('sha256');
      let n = 0;
      for await (const c of blob.open()) {
        h.update(c);
        n += c.length;
      }
      bytes += n;
      if (`sha256:${h.digest('hex')}` !== d.digest) problems.push(`artifact ${a.digest}: blob ${path} does not match its digest`);
      if (n !== d.size) problems.push(`artifact ${a.digest}: blob ${path} is ${n} bytes, its descriptor says ${d.size}`);
    }
  }
  return bytes;
}

function checkConfigName(img: SourceImage, problems: string[]): void {
  const p = img.config.path;
  if (!p) return;
  const m = /^(?:blobs\/sha256\/|sha256:)?([a-f0-9]{64})(?:\.json)?$/.exec(p);
  if (m && `sha256:${m[1]}` !== img.config.digest) problems.push(`config ${p} hashes to ${img.config.digest}, not to the digest in its name`);
  if (img.manifest?.origin === 'archive' && img.manifest.parsed.config.digest !== sha256(img.config.bytes)) {
    problems.push(`config does not match the manifest's config descriptor`);
  }
}

type Hashed = { d: LayerDigests } | { e: Error };

/** One layer's result: what hashing gave, held against what names it. */
async function verifyLayer(l: LayerRecord, job: Promise<Hashed> | undefined, opts: VerifyOptions): Promise<VerifiedLayer> {
  const lp: string[] = [];
  let computed: VerifiedLayer['computed'] = null;
  if (!job) {
    if (!opts.allowAbsent?.(l)) lp.push('not in the source');
  } else {
    const r = await job;
    if ('e' in r) lp.push(r.e.message);
    else {
      computed = { ...r.d };
      checkLayer(l, r.d, lp);
    }
  }
  return { index: l.index, path: l.path ?? null, diffId: l.diffId, computed, ok: lp.length === 0, problems: lp };
}

export async function verify(src: ImageSource, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const started = opts.startedAt ?? process.hrtime.bigint();
  const total = await totalBytes(src);
  const problems: string[] = [...(src.inconsistencies ?? [])];
  unlistedInManifestJson(src, problems);
  let done = await checkArtifacts(src, problems);
  // Start every hash at once: the source's hasher runs them across its workers and hashes each file once (a file
  // several layers name counts once in the progress and the totals).
  const counted = new Set<string>();
  const files = new Set<string>();
  const jobs = src.images.map((img) =>
    src.layers(img).map((layer): Promise<Hashed> | undefined => {
      if (!layer.present) return undefined;
      const key = layer.record.linkedTo ?? layer.record.path!;
      files.add(key);
      return layer.digests().then((d) => {
        if (!counted.has(key)) {
          counted.add(key);
          done += d.size;
          opts.onProgress?.(done, total);
        }
        return { d };
      }, (e: Error) => ({ e }));
    }),
  );
  const images: VerifiedImage[] = [];
  for (const [n, img] of src.images.entries()) {
    const imgProblems: string[] = [];
    checkConfigName(img, imgProblems);
    const layers: VerifiedLayer[] = [];
    for (const l of img.layers) layers.push(await verifyLayer(l, jobs[n]![l.index], opts));
    images.push({ tags: img.tags, imageId: img.config.digest, ok: imgProblems.length === 0 && layers.every((l) => l.ok), problems: imgProblems, layers });
  }
  return {
    schema: 'stowage.verify/v1',
    source: src.spec,
    format: src.format,
    flavor: src.flavor,
    ok: problems.length === 0 && images.every((i) => i.ok),
    problems,
    images,
    bytesHashed: done,
    layersHashed: files.size,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

async function totalBytes(src: ImageSource): Promise<number> {
  const seen = new Map<string, number>();
  for (const img of src.images) for (const l of img.layers) if (l.present && l.path) seen.set(l.linkedTo ?? l.path, l.storedSize ?? 0);
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

