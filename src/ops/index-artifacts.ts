/**
 * The manifests an image index lists beside its images that are not images (issue 20): BuildKit's attestation
 * manifests (provenance, SBOMs: an image config of platform unknown/unknown and in-toto JSON layers, annotated
 * `vnd.docker.reference.type: attestation-manifest`), or any artifact an index names. The index's digest covers
 * their descriptors, so the index arrives as upstream's only if they travel with it: their manifest bytes as they
 * were and every blob they name. Found here in a source (a registry, an OCI layout), for `delta --patch` and `copy`.
 */
import { StowageError } from '../errors.js';
import { verified } from '../hash/verified.js';
import type { ImageSource, SourceImage } from '../image/model.js';
import { JSON_LIMIT } from '../limits.js';
import { sha256, type Digest } from '../oci/digest.js';
import { isRecord, parseJson } from '../oci/json.js';
import type { PatchArtifact } from '../patch/format.js';
import type { PatchDelta } from '../patch/read-delta.js';
import { ARTIFACT_TYPES, MAX_REFERRER_BLOB, MAX_REFERRER_BLOBS, MAX_REFERRERS } from '../patch/referrers-schema.js';
import type { AttachedManifest } from '../transports/registry/options.js';
import { addBlobsToLayout } from '../transports/oci-layout/add.js';
import { REF_NAME } from '../transports/oci-layout/read.js';
import { tagAnnotations } from '../transports/oci-layout/write.js';

/** An artifact of the index found in the source: its bytes, and how to read each of its blobs (proved as read). */
export interface FoundArtifact extends PatchArtifact {
  bytes: Buffer;
  open: (d: Digest) => AsyncIterable<Buffer>;
}

/**
 * The entries of `indexBytes` that are none of `images`' manifests, each read from the source and checked (its bytes
 * against its digest, its blobs present); undefined, with why, when the index lists something that cannot travel
 * (a nested index, a manifest the source does not hold, one of a type stowage does not carry).
 */
export async function findIndexArtifacts(src: ImageSource, indexBytes: Buffer, images: SourceImage[]): Promise<{ found: FoundArtifact[] } | { why: string }> {
  const doc = parseJson(indexBytes, `${src.spec}: its index`);
  const listed = isRecord(doc) && Array.isArray(doc.manifests) ? doc.manifests.filter(isRecord) : [];
  const own = new Set(images.map((i) => i.manifest?.digest));
  const others = listed.filter((d) => !own.has(d.digest as Digest));
  if (others.length > MAX_REFERRERS) return { why: `it lists ${others.length} manifests besides its images, more than ${MAX_REFERRERS}` };
  const artifacts = new Set((src.artifacts ?? []).map((a) => a.digest));
  const found: FoundArtifact[] = [];
  for (const d of others) {
    const digest = d.digest as Digest;
    // Only what the reader took for an artifact: another platform's image left out is not carried as one.
    if (!artifacts.has(digest)) return { why: `it lists ${digest}, which is not among the images carried nor an attestation or other artifact` };
    if (typeof d.mediaType !== 'string' || !ARTIFACT_TYPES.includes(d.mediaType)) return { why: `it lists ${digest}, a ${String(d.mediaType)}, which stowage does not carry with an index` };
    const stored = await src.blob(digest);
    if (!stored) return { why: `it lists ${digest}, which ${src.spec} does not hold` };
    const bytes = await stored.read(JSON_LIMIT);
    if (sha256(bytes) !== digest) throw new StowageError(`${src.spec}: manifest ${digest} does not hash to its digest`, { code: 'tampered' });
    const m = parseJson(bytes, `${src.spec}: manifest ${digest} listed by its index`);
    if (!isRecord(m)) return { why: `its entry ${digest} is not a manifest` };
    const blobs: PatchArtifact['blobs'] = [];
    for (const b of [m.config, ...(Array.isArray(m.layers) ? m.layers : [])]) {
      if (!isRecord(b) || typeof b.digest !== 'string' || typeof b.size !== 'number' || typeof b.mediaType !== 'string') return { why: `its entry ${digest} names a blob without digest, size or media type` };
      if (b.size > MAX_REFERRER_BLOB) return { why: `its entry ${digest} names a blob of ${b.size} bytes, more than the ${MAX_REFERRER_BLOB} an attestation's may have` };
      if (!blobs.some((x) => x.digest === b.digest)) blobs.push({ digest: b.digest as Digest, size: b.size, mediaType: b.mediaType });
    }
    if (blobs.length > MAX_REFERRER_BLOBS) return { why: `its entry ${digest} names ${blobs.length} blobs, more than ${MAX_REFERRER_BLOBS}` };
    for (const b of blobs) if (!(await src.blob(b.digest))) return { why: `its entry ${digest} names blob ${b.digest}, which ${src.spec} does not hold` };
    const sizes = new Map(blobs.map((b) => [b.digest, b.size]));
    found.push({
      digest, size: bytes.length, mediaType: d.mediaType, blobs, bytes,
      open: (b) => (async function* () {
        const s = await src.blob(b);
        if (!s) throw new StowageError(`${src.spec}: blob ${b} is missing`, { code: 'not-found' });
        yield* verified(s.open(), { what: `${src.spec}: blob ${b} of ${digest}`, digest: b, size: sizes.get(b)! });
      })(),
    });
  }
  return { found };
}

/** An artifact as a registry push takes it: pushed by digest, its blobs first, before the index naming it. */
export function attached(a: PatchArtifact & { bytes: Buffer }, open: (d: Digest) => AsyncIterable<Buffer>): AttachedManifest {
  return { digest: a.digest, mediaType: a.mediaType, bytes: a.bytes, blobs: a.blobs.map((b) => ({ digest: b.digest, size: b.size, open: () => open(b.digest) })) };
}

/** Just the index fields of found artifacts (no bytes, no readers). */
export function asPatchArtifact({ bytes: _b, open: _o, ...a }: FoundArtifact): PatchArtifact {
  return a;
}

type DeltaBlobs = Map<Digest, { size: number; open: () => AsyncIterable<Buffer> }>;

/**
 * For `delta --patch`: the index's artifacts, and `carry` to add them to the delta's blobs (each manifest as it was,
 * its blobs streamed from the source, proved as read) once the index is kept; or why the index cannot travel.
 */
export async function indexArtifactsFor(src: ImageSource, indexBytes: Buffer): Promise<{ artifacts: PatchArtifact[]; carry: (blobs: DeltaBlobs) => void } | { why: string }> {
  const r = await findIndexArtifacts(src, indexBytes, src.images);
  if (!('found' in r)) return r;
  const carry = (blobs: DeltaBlobs) => {
    for (const a of r.found) {
      const bytes = a.bytes;
      blobs.set(a.digest, { size: bytes.length, open: async function* () { yield bytes; } });
      for (const b of a.blobs) if (!blobs.has(b.digest)) blobs.set(b.digest, { size: b.size, open: () => a.open(b.digest) });
    }
  };
  return { artifacts: r.found.map(asPatchArtifact), carry };
}

/** For `apply`: the index's artifacts a delta carries, as a registry push takes them (bytes proved when read). */
export async function artifactsFromDelta(delta: PatchDelta): Promise<AttachedManifest[]> {
  const out: AttachedManifest[] = [];
  for (const a of delta.index.index?.artifacts ?? []) out.push(attached({ ...a, bytes: await delta.bytes(a.digest) }, (d) => delta.stream(d)));
  return out;
}

/**
 * For `apply` into an OCI layout: upstream's index kept as it was, beside the images that landed: its bytes, the
 * artifacts it lists and their blobs under blobs/ (each proved against its digest as it is written), and an
 * index.json entry naming the index under the images' names, which replaces their own entries (the tag then names
 * the index, which names the image: the digest a user pins is upstream's).
 */
export async function keepIndexInLayout(delta: PatchDelta, dir: string, refName: string | undefined, tags: string[]): Promise<void> {
  // The names the layout writer gave the images' entries (write.ts), so the index's entry takes their place.
  const names = refName ? [{ [REF_NAME]: refName }] : [...new Set(tags)].map(tagAnnotations);
  const x = delta.index.index!;
  const blobs: { digest: string; size: number; body: () => AsyncIterable<Buffer> }[] = [];
  const seen = new Set<string>();
  const add = (digest: Digest, size: number) => {
    if (seen.has(digest)) return;
    seen.add(digest);
    blobs.push({ digest, size, body: () => verified(delta.stream(digest), { what: `${delta.what}: blob ${digest}`, digest, size }) });
  };
  for (const a of x.artifacts ?? []) {
    for (const b of a.blobs) add(b.digest, b.size);
    add(a.digest, a.size);
  }
  add(x.digest, x.size);
  const entry = { mediaType: x.mediaType, digest: x.digest, size: x.size };
  await addBlobsToLayout(dir, blobs, names.length ? names.map((annotations) => ({ ...entry, annotations })) : [entry]);
}
