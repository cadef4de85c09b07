/**
 * Patch deltas taken apart and put back together by the tests that prove stowage refuses a doctored one: the index
 * (`stowage-patch.json`, the delta's first entry) edited, a layer patch blob swapped for other bytes under the digest
 * those bytes have, entries appended. The delta is read with the test tree's own tar reader (tar-entries.ts).
 */
import { file, sha, writeTar } from './build-layer.js';
import { tarEntries } from './tar-entries.js';

export interface DeltaEntry {
  name: string;
  data: Buffer;
}

/** The entries of a delta (or any small tar), as name and data. */
export function deltaEntries(delta: string | Buffer): DeltaEntry[] {
  return tarEntries(delta).map(({ name, data }) => ({ name, data }));
}

/** Writes entries back as a tar (every one a file, as a delta's are). */
export function writeEntries(to: string, entries: DeltaEntry[]): Promise<void> {
  return writeTar(to, entries.map((e) => file(e.name, e.data)));
}

/** Writes `from` again to `to` with its index edited by `edit` (and `extra` entries appended); returns `to`. */
export async function withIndex(from: string, to: string, edit: (index: any) => void, extra: DeltaEntry[] = []): Promise<string> {
  const entries = deltaEntries(from);
  const index = JSON.parse(entries[0]!.data.toString('utf8'));
  edit(index);
  entries[0] = { name: entries[0]!.name, data: Buffer.from(JSON.stringify(index)) };
  await writeEntries(to, [...entries, ...extra]);
  return to;
}

/** The first layer patch blob of a delta, and a function writing the delta again with other bytes in its place. */
export function patchBlob(delta: string): { blob: Buffer; rewrite: (out: string, blob: Buffer) => Promise<void> } {
  const entries = deltaEntries(delta);
  const index = JSON.parse(entries[0]!.data.toString('utf8'));
  const l = index.layers.find((x: { how: string }) => x.how === 'patch');
  const i = entries.findIndex((e) => e.name === `blobs/sha256/${l.patch.digest.slice(7)}`);
  return {
    blob: Buffer.from(entries[i]!.data),
    rewrite: async (out, blob) => {
      l.patch.digest = sha(blob);
      l.patch.size = blob.length;
      const copy = [...entries];
      copy[i] = { name: `blobs/sha256/${l.patch.digest.slice(7)}`, data: blob };
      copy[0] = { name: copy[0]!.name, data: Buffer.from(JSON.stringify(index)) };
      await writeEntries(out, copy);
    },
  };
}
