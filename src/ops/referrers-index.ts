/**
 * The referrers tag scheme's index (OCI distribution 1.1, for registries without the referrers API): the tag
 * `sha256-<hex>` holds an image index listing every manifest whose `subject` is `sha256:<hex>`, each entry with the
 * referrer's `artifactType` and annotations (what notation and cosign filter on). Here: that entry made from a
 * referrer's manifest, and the site's index merged with the one arriving, so a signature the site already holds
 * (its own, or one landed before) is not dropped when upstream's index is pushed under the same tag.
 */
import { StowageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import { isRecord } from '../oci/json.js';
import { OCI_INDEX } from '../oci/mediatypes.js';
import type { Descriptor } from '../oci/types.js';

/** The referrers tag scheme's own tag (no cosign suffix): the one tag whose index lists many referrers. */
export const REFERRERS_INDEX_TAG = /^sha256-[0-9a-f]{64}$/;

/**
 * The descriptor of a referrer as a referrers index lists it: `artifactType` the manifest's own, else its config's
 * media type (the image spec's rule for artifacts made before artifactType existed), and the manifest's annotations.
 */
export function referrerDescriptor(bytes: Buffer, digest: Digest, mediaType: string): Descriptor {
  const d: Descriptor = { mediaType, digest, size: bytes.length };
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return d;
  }
  if (!isRecord(doc)) return d;
  const config = isRecord(doc.config) ? doc.config : undefined;
  const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : typeof config?.mediaType === 'string' ? config.mediaType : undefined;
  if (artifactType) d.artifactType = artifactType;
  if (isRecord(doc.annotations) && Object.values(doc.annotations).every((v) => typeof v === 'string')) d.annotations = { ...(doc.annotations as Record<string, string>) };
  return d;
}

/**
 * The site's referrers index (`held`, what its tag holds now) with the arriving index's entries it lacks appended,
 * the site's own entries and order kept; undefined when it already lists them all (nothing to push). `what` names
 * the tag in the one-line refusal of a tag that holds something other than a referrers index.
 */
export function mergeReferrersIndex(held: { bytes: Buffer; mediaType: string }, arriving: Buffer, what: string): Buffer | undefined {
  const doc = parse(held.bytes);
  if (held.mediaType !== OCI_INDEX || !doc || !Array.isArray(doc.manifests)) {
    throw new StowageError(`${what}: the site holds an ${held.mediaType} manifest under the referrers tag, not a referrers index; left as it is`, { code: 'invalid' });
  }
  const incoming = parse(arriving);
  const listed = Array.isArray(incoming?.manifests) ? incoming.manifests.filter(isRecord) : [];
  const have = new Set(doc.manifests.filter(isRecord).map((m) => m.digest));
  const added = listed.filter((m) => !have.has(m.digest));
  if (!added.length) return undefined;
  return Buffer.from(JSON.stringify({ ...doc, manifests: [...doc.manifests, ...added] }));
}

function parse(b: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(b.toString('utf8'));
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
