/**
 * Delivering an image's referrers (issue 20 item 3) where a patch delta lands: each manifest kept byte for byte in
 * the delta is first held against the blobs the index lists for it (before anything is written), then, into a
 * registry after the image itself, pushed as it was: its blobs (those the repository lacks), the manifest by digest,
 * then under its tag. Its digest does not change, so a signature over the image's manifest digest verifies there. A
 * referrers index the site already holds under the same tag is merged with upstream's (referrers-index.ts).
 */
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import { isRecord } from '../oci/json.js';
import type { PatchReferrer } from '../patch/format.js';
import type { PatchDelta } from '../patch/read-delta.js';
import { clientFor, registryReference } from '../transports/registry/source.js';
import { addBlobsToLayout } from '../transports/oci-layout/add.js';
import { REF_NAME } from '../transports/oci-layout/read.js';
import { verified } from '../hash/verified.js';
import type { Descriptor } from '../oci/types.js';
import type { RegistryOptions } from '../transports/registry/options.js';
import { REFERRERS_INDEX_TAG, mergeReferrersIndex, referrerDescriptor } from './referrers-index.js';
import { referrersFromApi } from './referrers-api.js';
import { subjectOf } from './referrers-find.js';
import type { RegistryClient } from '../transports/registry/client.js';
import { OCI_INDEX } from '../oci/mediatypes.js';

/** The annotation naming, on an OCI layout's index.json entry, the manifest digest a referrer refers to. */
export const REFERRER_OF = 'io.stowage.referrer-of';

export interface ReadyReferrer extends PatchReferrer { bytes: Buffer }

/**
 * The referrers of an image (or of the index, `at` 'index'), their manifest bytes read from the delta (proved against their names when it was read),
 * each naming only blobs the index lists for it and, for a referrers index, only other referrers of the image.
 */
export async function readyReferrers(delta: PatchDelta, img: { referrers?: PatchReferrer[] }, at: string, subject: Digest | undefined): Promise<ReadyReferrer[]> {
  const list = img.referrers ?? [];
  const out: ReadyReferrer[] = [];
  const digests = new Set(list.map((r) => r.digest));
  for (const [i, r] of list.entries()) {
    const what = `${delta.what}: ${at}.referrers[${i}] (${r.tag ?? r.digest})`;
    const bytes = await delta.bytes(r.digest);
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new StowageError(`${what}: the manifest is not JSON`);
    }
    if (!isRecord(doc)) throw new StowageError(`${what}: the manifest is not a JSON object`);
    const own = new Set(r.blobs.map((b) => b.digest));
    const named = [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])].filter(isRecord);
    for (const d of named) if (!own.has(d.digest as Digest)) throw new StowageError(`${what}: names blob ${String(d.digest)}, which the index does not list for it`);
    const listed = Array.isArray(doc.manifests) ? doc.manifests.filter(isRecord) : [];
    for (const m of listed) if (!digests.has(m.digest as Digest)) throw new StowageError(`${what}: lists ${String(m.digest)}, which the delta does not carry`);
    // A referrer with a subject refers to this image (or index) and nothing else: its subject names the tag a site
    // without the referrers API lists it under.
    const refersTo = subjectOf(bytes);
    if (refersTo !== undefined && refersTo !== subject) throw new StowageError(`${what}: refers to ${refersTo}, not to ${subject ?? 'a manifest the delta carries'}`);
    out.push({ ...r, bytes });
  }
  return out;
}

/**
 * Pushes the referrers into the registry repository `ref` names (docker://HOST/REPO[:TAG]), in the order kept
 * (a listed referrer before the index that lists it). Returns what was pushed, tag or digest.
 */
export async function pushReferrers(delta: PatchDelta, refText: string, referrers: ReadyReferrer[]): Promise<string[]> {
  return pushReferrersFrom((d) => delta.stream(d), delta.what, refText, referrers);
}

/** The same from any store of the blobs (`stream` proves each against its digest): a delta, a source registry. */
export async function pushReferrersFrom(stream: (d: Digest) => AsyncIterable<Buffer>, from: string, refText: string, referrers: ReadyReferrer[], opts: RegistryOptions = {}): Promise<string[]> {
  const client = clientFor(registryReference(refText.replace(/^docker:\/\//, '')), opts);
  const pushed: string[] = [];
  for (const r of referrers) {
    for (const b of r.blobs) {
      if ((await client.headBlob(b.digest)) === b.size) continue;
      await client.upload({ digest: b.digest, size: b.size, open: () => stream(b.digest), what: `${from}: referrer blob ${b.digest}` });
    }
    // The referrers tag scheme's index: the site may already hold one under the tag (its own signature, one landed
    // before); what it lists is kept and upstream's entries are added, never replaced. (Read, then written: two
    // writers at once may lose one's entries, as with every client of the tag scheme.)
    if (r.tag && REFERRERS_INDEX_TAG.test(r.tag) && (await client.headManifest(r.tag)) !== undefined) {
      const held = await client.getManifest(r.tag);
      if (held.digest !== r.digest) {
        const merged = mergeReferrersIndex(held, r.bytes, `${client.name}:${r.tag}`);
        if (merged) await client.putManifest(r.tag, merged, r.mediaType);
        pushed.push(`${client.name}:${r.tag}`);
        continue;
      }
    }
    await client.putManifest(r.digest, r.bytes, r.mediaType);
    if (r.tag) await client.putManifest(r.tag, r.bytes, r.mediaType);
    pushed.push(`${client.name}:${r.tag ?? r.digest}`.replace(/:sha256:/, '@sha256:'));
  }
  pushed.push(...await indexLoose(client, referrers));
  return pushed;
}

/**
 * Referrers that came without a referrers tag index (found through the source's referrers API) are findable at a
 * site without that API only through one: each is added to the site's `sha256-<hex>` index of its subject (made, or
 * merged with the one the site holds). A site that answers the referrers API lists them by itself.
 */
async function indexLoose(client: RegistryClient, referrers: ReadyReferrer[]): Promise<string[]> {
  const listed = new Set(referrers.filter((r) => r.tag && REFERRERS_INDEX_TAG.test(r.tag)).flatMap((r) => listedIn(r.bytes)));
  const bySubject = new Map<string, ReadyReferrer[]>();
  for (const r of referrers) {
    const subject = r.tag || listed.has(r.digest) ? undefined : subjectOf(r.bytes);
    if (subject?.startsWith('sha256:')) bySubject.set(subject, [...bySubject.get(subject) ?? [], r]);
  }
  const out: string[] = [];
  for (const [subject, list] of bySubject) {
    if ((await referrersFromApi(client, subject as Digest, client.name)) !== undefined) continue;
    const tag = `sha256-${subject.slice('sha256:'.length)}`;
    const made = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: list.map((r) => referrerDescriptor(r.bytes, r.digest, r.mediaType)) }));
    const held = (await client.headManifest(tag)) !== undefined ? await client.getManifest(tag) : undefined;
    const bytes = held ? mergeReferrersIndex(held, made, `${client.name}:${tag}`) : made;
    if (bytes) await client.putManifest(tag, bytes, OCI_INDEX);
    out.push(`${client.name}:${tag}`);
  }
  return out;
}

function listedIn(bytes: Buffer): string[] {
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    return isRecord(doc) && Array.isArray(doc.manifests) ? doc.manifests.filter(isRecord).map((m) => String(m.digest)) : [];
  } catch {
    return [];
  }
}

/**
 * Keeps the referrers in the OCI layout at `dir` beside the image: every blob and manifest under blobs/ (each proved
 * against its digest as it is written), and an index.json entry for each, annotated with the manifest digest it
 * refers to, and a tagged one also with its tag as the ref name (`oci:DIR:sha256-<hex>.sig` names it, as for skopeo).
 */
export async function keepReferrersInLayout(delta: PatchDelta, dir: string, subject: Digest, referrers: ReadyReferrer[]): Promise<string[]> {
  const blobs: { digest: string; size: number; body: () => AsyncIterable<Buffer> }[] = [];
  const seen = new Set<string>();
  const add = (digest: Digest, size: number) => {
    if (seen.has(digest)) return;
    seen.add(digest);
    blobs.push({ digest, size, body: () => verified(delta.stream(digest), { what: `${delta.what}: referrer blob ${digest}`, digest, size }) });
  };
  for (const r of referrers) {
    for (const b of r.blobs) add(b.digest, b.size);
    add(r.digest, r.size);
  }
  // Each entry as a referrers index lists it (artifactType, the manifest's annotations: what notation's and oras's
  // layout readers filter on), plus where it belongs.
  const entries: Descriptor[] = referrers.map((r) => {
    const d = referrerDescriptor(r.bytes, r.digest, r.mediaType);
    return { ...d, annotations: { ...d.annotations, [REFERRER_OF]: subject, ...(r.tag ? { [REF_NAME]: r.tag } : {}) } };
  });
  await addBlobsToLayout(dir, blobs, entries);
  return referrers.map((r) => r.tag ?? r.digest);
}
