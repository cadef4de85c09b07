/**
 * The patch delta format, version 1 (documented in docs/patch-format.md). A patch delta is a plain tar:
 *   stowage-patch.json          the index: what each target layer is and how it is rebuilt (first entry)
 *   blobs/sha256/<hex>          configs, layer patches and whole layers, each named by its digest
 * A layer patch is the 8-byte magic "STWPTCH1" then zstd frames, each preceded by two varints (decoded size,
 * frame size): per block of entries an operation list, the structure bytes (matched against the old entries'
 * structure), the small literal files; then one frame per segment of each big or delta-coded file.
 */
import { StowageError } from '../errors.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { isRecord, parseJson } from '../oci/json.js';

export const PATCH_INDEX = 'stowage-patch.json';
export const PATCH_SCHEMA = 'stowage.patch/v1';
export const MAGIC = Buffer.from('STWPTCH1');

/** How an entry's data is rebuilt. */
export const DATA = { NONE: 0, SAME: 1, DELTA: 2, SMALL: 3, BIG: 4 } as const;

/** Big files are cut into segments of this size, each coded against a window of the old file. */
export const SEGMENT = 8 << 20;
/** How far around the matching position of the old file a segment's reference reaches. */
export const MARGIN = 4 << 20;
/** Files up to this size go, literal, into their block's literal frame. */
export const SMALL_FILE = 256 << 10;
/** A block ends after this many entries or structure-plus-literal bytes. */
export const BLOCK_ENTRIES = 8192;
export const BLOCK_BYTES = 4 << 20;
/** The largest frame a decoder accepts (a block may overshoot BLOCK_BYTES by one entry: a header and a small file). */
export const MAX_FRAME = 16 << 20;

/** The window of the old file a segment [at, at+len) of the new file is coded against: the same relative place. */
export function refWindow(at: number, len: number, newSize: number, oldSize: number): { start: number; len: number } {
  const mid = Number((BigInt(at) * BigInt(oldSize)) / BigInt(Math.max(newSize, 1)));
  const start = Math.max(0, mid - MARGIN);
  const end = Math.min(oldSize, mid + len + MARGIN);
  return { start, len: Math.max(0, end - start) };
}

export type LayerHow = 'base' | 'patch' | 'whole';

export interface PatchLayer {
  diffId: Digest;
  chainId: Digest;
  /** Size of the uncompressed tar. */
  size: number;
  how: LayerHow;
  /** How the target stored it ('none', 'gzip', 'zstd'): a patched layer comes back uncompressed. */
  storedCompression: string;
  /** 'patch': the patch blob and the base layers it reads, by DiffID, in its numbering order. */
  patch?: { digest: Digest; size: number; bases: Digest[]; stats?: Record<string, number> };
  /** 'whole': the layer as the target stored it. */
  whole?: { digest: Digest; size: number; compression: string };
  /** 'base': the images that held it where the delta was made. */
  providedBy?: string[];
}

export interface PatchIndex {
  schema: typeof PATCH_SCHEMA;
  created: string;
  images: { tags: string[]; config: { digest: Digest; size: number }; layers: Digest[] }[];
  /** Every distinct layer (by ChainID) of the images. */
  layers: PatchLayer[];
  /** What the delta was made against, in words (the --base names). */
  madeAgainst: string[];
  /** The base images (a tag, else the image ID): what a bare `--base docker-daemon:` stands for in apply. */
  baseImages?: string[];
}

const MAX_INDEX = 16 << 20;
export const PATCH_INDEX_LIMIT = MAX_INDEX;

export function parsePatchIndex(bytes: Buffer, what: string): PatchIndex {
  const doc = parseJson(bytes, what);
  const bad = (why: string): never => { throw new StowageError(`${what}: not a valid stowage patch index (${why})`); };
  if (!isRecord(doc)) return bad('not an object');
  if (doc.schema !== PATCH_SCHEMA) return bad(typeof doc.schema === 'string' && doc.schema.startsWith('stowage.patch/') ? `version ${doc.schema} is not one this stowage reads` : 'schema');
  if (!Array.isArray(doc.images) || !Array.isArray(doc.layers)) return bad('images or layers missing');
  const chains = new Set<string>();
  for (const l of doc.layers as unknown[]) {
    if (!isRecord(l) || !isDigest(l.diffId) || !isDigest(l.chainId) || !Number.isSafeInteger(l.size) || (l.size as number) < 0) return bad('a layer entry');
    chains.add(l.chainId as string);
    if (l.how === 'patch') {
      const p = l.patch;
      if (!isRecord(p) || !isDigest(p.digest) || !Number.isSafeInteger(p.size) || !Array.isArray(p.bases) || !p.bases.every(isDigest)) return bad('a patch entry');
    } else if (l.how === 'whole') {
      const w = l.whole;
      if (!isRecord(w) || !isDigest(w.digest) || !Number.isSafeInteger(w.size) || !['none', 'gzip', 'zstd'].includes(w.compression as string)) return bad('a whole-layer entry');
    } else if (l.how !== 'base') return bad(`layer how ${JSON.stringify(l.how)}`);
  }
  for (const i of doc.images as unknown[]) {
    if (!isRecord(i) || !Array.isArray(i.tags) || !isRecord(i.config) || !isDigest(i.config.digest) || !Number.isSafeInteger(i.config.size) || !Array.isArray(i.layers) || !i.layers.every(isDigest)) return bad('an image entry');
    for (const c of i.layers as string[]) if (!chains.has(c)) return bad(`an image names layer ${c}, which the index does not describe`);
  }
  return doc as unknown as PatchIndex;
}

