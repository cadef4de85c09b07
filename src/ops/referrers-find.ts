/**
 * What refers to an image's manifest in the repository it was read from (issue 20 item 3): what the OCI 1.1
 * referrers API lists, where the registry has it (referrers-api.ts), then the two ways a registry without it holds
 * them: cosign's older tags `sha256-<hex>.sig`, `.att`, `.sbom`, and the referrers tag scheme's `sha256-<hex>`, an
 * index listing the referrers (cosign 3's bundles, notation).
 * Each manifest is taken byte for byte (fetched by digest, so its digest is proved), with the blobs it names, to
 * travel in a patch delta and be pushed beside the image at the site, where a signature still signs its digest.
 */
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import { isRecord } from '../oci/json.js';
import type { ImageSource } from '../image/model.js';
import type { PatchReferrer } from '../patch/format.js';
import { MAX_REFERRER_BLOB, MAX_REFERRER_BLOBS, MAX_REFERRERS, REFERRER_TYPES } from '../patch/referrers-schema.js';
import type { RegistryClient } from '../transports/registry/client.js';
import { clientFor, registryReference } from '../transports/registry/source.js';
import type { RegistryOptions } from '../transports/registry/options.js';
import { referrersFromApi } from './referrers-api.js';

/** A referrer found, with how to read each of its blobs (streamed from the registry, checked against its digest). */
export interface FoundReferrer extends PatchReferrer {
  bytes: Buffer;
  open: (d: Digest) => AsyncIterable<Buffer>;
}

const SUFFIXES = ['.sig', '.att', '.sbom', ''];

/** The client for the repository a registry source was read from, or undefined for any other source. */
export function sourceClient(src: ImageSource, opts: RegistryOptions = {}): RegistryClient | undefined {
  if (!src.registry) return undefined;
  return clientFor(registryReference(src.registry.reference), opts);
}

/** Every referrer of `subject` in the client's repository: the tagged ones, then what a referrers index lists (`tags`: the repository's, when known). */
export async function findReferrers(client: RegistryClient, subject: Digest, what: string, tags?: string[]): Promise<FoundReferrer[]> {
  const hex = subject.slice('sha256:'.length);
  const out: FoundReferrer[] = [];
  const seen = new Set<string>();
  // The OCI 1.1 referrers API first, where the registry has it: it lists referrers no tag names. Each is fetched by
  // digest and must name `subject` as its subject. The tags below are still read (cosign's `.sig` has no subject).
  for (const d of (await referrersFromApi(client, subject, what)) ?? []) {
    if (seen.has(d)) continue;
    seen.add(d);
    if (seen.size > MAX_REFERRERS) throw new StowageError(`${what}: more than ${MAX_REFERRERS} referrers of ${subject}`, { code: 'limit' });
    const r = await take(client, undefined, d, `${what}: the referrers API's ${d}`);
    const named = subjectOf(r.bytes);
    if (named !== subject) throw new StowageError(`${what}: the registry's referrers API lists ${d}, whose subject is ${named ?? 'absent'}, not ${subject}`, { code: 'invalid' });
    out.push(r);
  }
  for (const suffix of SUFFIXES) {
    const tag = `sha256-${hex}${suffix}`;
    // Asked by name (a HEAD each), not by listing the tags: a repository may hold thousands.
    if (tags ? !tags.includes(tag) : (await client.headManifest(tag)) === undefined) continue;
    const r = await take(client, tag, undefined, `${what}: ${tag}`);
    out.push(r);
    seen.add(r.digest);
    if (suffix === '') {
      // The referrers tag scheme: an index of the referrers; each listed manifest travels too (pushed by digest).
      const doc = JSON.parse(r.bytes.toString('utf8')) as { manifests?: unknown };
      const listed = Array.isArray(doc.manifests) ? doc.manifests : [];
      for (const m of listed) {
        if (!isRecord(m) || typeof m.digest !== 'string' || seen.has(m.digest)) continue;
        seen.add(m.digest);
        out.push(await take(client, undefined, m.digest as Digest, `${what}: ${tag} lists ${m.digest}`));
      }
    }
    if (out.length > MAX_REFERRERS) throw new StowageError(`${what}: more than ${MAX_REFERRERS} referrers of ${subject}`);
  }
  // A referrer listed in an index must be pushed before the index that names it, and a tagged one by itself.
  return [...out.filter((r) => !r.tag), ...out.filter((r) => r.tag)];
}

/** The digest a manifest's `subject` names, if any. */
export function subjectOf(bytes: Buffer): string | undefined {
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    return isRecord(doc) && isRecord(doc.subject) && typeof doc.subject.digest === 'string' ? doc.subject.digest : undefined;
  } catch {
    return undefined;
  }
}

async function take(client: RegistryClient, tag: string | undefined, digest: Digest | undefined, what: string): Promise<FoundReferrer> {
  const m = await client.getManifest(digest ?? tag!);
  if (!REFERRER_TYPES.includes(m.mediaType)) throw new StowageError(`${what}: a referrer of media type ${m.mediaType}, which stowage does not carry`);
  const doc = JSON.parse(m.bytes.toString('utf8')) as Record<string, unknown>;
  const blobs: PatchReferrer['blobs'] = [];
  const descs = [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])];
  for (const d of descs) {
    if (!isRecord(d)) continue;
    if (typeof d.digest !== 'string' || typeof d.size !== 'number' || typeof d.mediaType !== 'string') throw new StowageError(`${what}: a descriptor without digest, size or media type`);
    if (d.size > MAX_REFERRER_BLOB) throw new StowageError(`${what}: blob ${d.digest} is ${d.size} bytes, more than a referrer's ${MAX_REFERRER_BLOB}`);
    if (!blobs.some((b) => b.digest === d.digest)) blobs.push({ digest: d.digest as Digest, size: d.size, mediaType: d.mediaType });
  }
  if (blobs.length > MAX_REFERRER_BLOBS) throw new StowageError(`${what}: ${blobs.length} blobs, more than a referrer's ${MAX_REFERRER_BLOBS}`);
  const sizes = new Map(blobs.map((b) => [b.digest, b.size]));
  return {
    ...(tag ? { tag } : {}), digest: m.digest, size: m.bytes.length, mediaType: m.mediaType, blobs, bytes: m.bytes,
    open: (d) => client.getBlob(d, sizes.get(d)),
  };
}
