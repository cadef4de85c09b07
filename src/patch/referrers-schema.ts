/**
 * The `images[].referrers` field of a patch index (issue 20 item 3) checked against docs/patch-format.md: each a
 * manifest (a cosign signature, an attestation, an SBOM, or the referrers tag scheme's index) under a tag of the
 * form cosign and the referrers tag scheme use, or none, and the small blobs it names. A tag of any other form is
 * refused: apply pushes these tags into the site's repository, and must not move the image's own tags.
 */
import { isDigest } from '../oci/digest.js';
import { isRecord } from '../oci/json.js';
import { JSON_LIMIT } from '../limits.js';
import { OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST } from '../oci/mediatypes.js';

/** The tags a referrer may be pushed under: `sha256-<hex>` (referrers tag scheme) and cosign's suffixes. */
export const REFERRER_TAG = /^sha256-[0-9a-f]{64}(\.sig|\.att|\.sbom)?$/;
/** The manifest types a referrer may have. */
export const REFERRER_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST];
/** At most this many referrers per image, and blobs per referrer, and bytes per referrer blob. */
export const MAX_REFERRERS = 256;
export const MAX_REFERRER_BLOBS = 64;
export const MAX_REFERRER_BLOB = 64 << 20;

const FIELDS = ['tag', 'digest', 'size', 'mediaType', 'blobs'];

export function checkReferrers(v: unknown, field: string, hasManifest: boolean, bad: (field: string, why: string) => never): void {
  if (!Array.isArray(v)) bad(field, 'must be an array');
  const list = v as unknown[];
  if (list.length > MAX_REFERRERS) bad(field, `lists ${list.length} referrers, more than ${MAX_REFERRERS}`);
  if (list.length && !hasManifest) bad(field, 'needs the image\'s manifest: a referrer signs a manifest digest');
  for (const [i, raw] of list.entries()) checkKept(raw, `${field}[${i}]`, FIELDS, REFERRER_TYPES, bad);
}

/** The manifest types an index's artifact (an attestation manifest) may have. */
export const ARTIFACT_TYPES = [OCI_MANIFEST, DOCKER_MANIFEST];

/**
 * The `index.artifacts` field: the manifests an image index lists that are not images (BuildKit's attestation
 * manifests), each as a referrer is kept but pushed by digest only (no tag: the index names it), at most as many.
 */
export function checkArtifacts(v: unknown, field: string, bad: (field: string, why: string) => never): void {
  if (!Array.isArray(v)) bad(field, 'must be an array');
  const list = v as unknown[];
  if (list.length > MAX_REFERRERS) bad(field, `lists ${list.length} manifests, more than ${MAX_REFERRERS}`);
  for (const [i, raw] of list.entries()) checkKept(raw, `${field}[${i}]`, FIELDS.filter((k) => k !== 'tag'), ARTIFACT_TYPES, bad);
}

/** One kept manifest: its fields (only `fields`), digest, size, media type (one of `types`) and the blobs it names. */
function checkKept(raw: unknown, f: string, fields: string[], types: string[], bad: (field: string, why: string) => never): void {
  if (!isRecord(raw)) bad(f, 'must be an object');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!fields.includes(k)) bad(`${f}.${k}`, 'is not a field of this format');
  if (r.tag !== undefined && (typeof r.tag !== 'string' || !REFERRER_TAG.test(r.tag))) bad(`${f}.tag`, 'must be sha256-<hex>, or that with .sig, .att or .sbom');
  if (!isDigest(r.digest)) bad(`${f}.digest`, 'must be a sha256 digest');
  sized(r.size, `${f}.size`, JSON_LIMIT, bad);
  if (typeof r.mediaType !== 'string' || !types.includes(r.mediaType)) bad(`${f}.mediaType`, `must be one of ${types.join(', ')}`);
  if (!Array.isArray(r.blobs)) bad(`${f}.blobs`, 'must be an array');
  const blobs = r.blobs as unknown[];
  if (blobs.length > MAX_REFERRER_BLOBS) bad(`${f}.blobs`, `lists ${blobs.length} blobs, more than ${MAX_REFERRER_BLOBS}`);
  for (const [k, b] of blobs.entries()) {
    const bf = `${f}.blobs[${k}]`;
    if (!isRecord(b)) bad(bf, 'must be an object');
    const o = b as Record<string, unknown>;
    for (const key of Object.keys(o)) if (!['digest', 'size', 'mediaType'].includes(key)) bad(`${bf}.${key}`, 'is not a field of this format');
    if (!isDigest(o.digest)) bad(`${bf}.digest`, 'must be a sha256 digest');
    sized(o.size, `${bf}.size`, MAX_REFERRER_BLOB, bad);
    if (typeof o.mediaType !== 'string') bad(`${bf}.mediaType`, 'must be a string');
  }
}

function sized(v: unknown, field: string, max: number, bad: (field: string, why: string) => never): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) bad(field, `must be a whole number of bytes, 0..${max}`);
}
