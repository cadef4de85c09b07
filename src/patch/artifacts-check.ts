/**
 * A patch delta's index artifacts (issue 20: BuildKit's attestation manifests, `index.artifacts`) against the index,
 * before anything is written: apply pushes each manifest as it is, so it must name exactly the blobs the index lists
 * for it (digest, size, media type), and say the media type the index gives it. Every byte was proved against its
 * name when the delta was read; this catches an index and a manifest that disagree.
 */
import { StowageError } from '../errors.js';
import { isRecord } from '../oci/json.js';
import { parseJsonInput } from '../oci/json-input.js';
import type { Digest } from '../oci/digest.js';
import { PATCH_INDEX, type PatchIndex } from './format.js';

export async function checkIndexArtifacts(index: PatchIndex, bytes: (d: Digest) => Promise<Buffer>, what: string): Promise<void> {
  for (const [i, a] of (index.index?.artifacts ?? []).entries()) {
    const at = `${what}: index.artifacts[${i}] (${a.digest})`;
    const refuse = (why: string): never => {
      throw new StowageError(`${at} ${why}; the delta is damaged or was altered (${PATCH_INDEX} and the manifest disagree)`, { code: 'tampered' });
    };
    const doc = parseJsonInput(await bytes(a.digest), at);
    if (!isRecord(doc)) return refuse('is not a JSON object');
    if (doc.mediaType !== undefined && doc.mediaType !== a.mediaType) refuse(`says its media type is ${String(doc.mediaType)}, the index ${a.mediaType}`);
    const named = [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])];
    const listed = new Map(a.blobs.map((b) => [b.digest, b]));
    const seen = new Set<string>();
    for (const raw of named) {
      const d = isRecord(raw) ? raw : refuse('names a blob that is not a descriptor');
      const b = listed.get(d.digest as Digest);
      if (!b || b.size !== d.size || b.mediaType !== d.mediaType) refuse(`names blob ${String(d.digest)} (${String(d.size)} bytes, ${String(d.mediaType)}), which the index does not list for it`);
      seen.add(b!.digest);
    }
    if (seen.size !== listed.size) refuse(`names ${seen.size} blobs, the index lists ${listed.size} for it`);
  }
}
