/**
 * The small metadata file a thin archive carries (`stowage-delta.json`): which layers it leaves out and which
 * images provide them, so `check` and `apply` can explain what the target needs. Engines ignore the file.
 */
import { StowageError } from '../errors.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { isRecord } from '../oci/json.js';
import { parseJsonInput } from '../oci/json-input.js';

export const DELTA_META = 'stowage-delta.json';

export interface DeltaRequirement {
  chainId: Digest;
  diffId: Digest;
  size: number;
  /** The images that held the layer where the delta was made (tags, or image IDs). */
  providedBy: string[];
}

export interface DeltaMeta {
  schema: 'stowage.delta/v1';
  created: string;
  images: { tags: string[]; imageId: Digest }[];
  requires: DeltaRequirement[];
}

export function parseDeltaMeta(bytes: Buffer, what: string): DeltaMeta {
  const doc = parseJsonInput(bytes, what, 'a thin archive\'s stowage-delta.json is the JSON that stowage delta writes');
  if (!isRecord(doc) || doc.schema !== 'stowage.delta/v1' || !Array.isArray(doc.requires) || !Array.isArray(doc.images)) {
    throw new StowageError(`${what}: not a stowage delta description`);
  }
  for (const r of doc.requires) {
    if (!isRecord(r) || !isDigest(r.chainId) || !isDigest(r.diffId)) throw new StowageError(`${what}: malformed requires entry`);
  }
  return doc as unknown as DeltaMeta;
}
