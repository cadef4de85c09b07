/**
 * The patch delta format, version 1 (documented in docs/patch-format.md). A patch delta is a plain tar:
 *   stowage-patch.json          the index: what each target layer is and how it is rebuilt (first entry)
 *   blobs/sha256/<hex>          configs, layer patches and whole layers, each named by its digest
 * A layer patch is an 8-byte magic ("STWPTCH3" written; "STWPTCH2" and "STWPTCH1" read) then zstd frames, each
 * preceded by two varints (decoded size, frame size): per block of entries an operation list (op-list.ts), the
 * structure bytes (matched against the old entries' structure), the small literal files, the grouped small deltas
 * (from version 2); then one frame per segment of each big or delta-coded file.
 */
import type { Recipe } from '../compress/recipes/recipe.js';
import type { Digest } from '../oci/digest.js';

export const PATCH_INDEX = 'stowage-patch.json';
export const PATCH_SCHEMA = 'stowage.patch/v1';
export const MAGIC = Buffer.from('STWPTCH1');
/** Version 2 of the layer patch: a fourth frame per block, the block's small delta-coded files (DATA.GROUPED). */
export const MAGIC_V2 = Buffer.from('STWPTCH2');
/**
 * Version 3: the same frames as version 2, the operation lists coded against the old entries' lengths, one column a
 * field (op-list.ts).
 */
export const MAGIC_V3 = Buffer.from('STWPTCH3');

/** How an entry's data is rebuilt. */
export const DATA = { NONE: 0, SAME: 1, DELTA: 2, SMALL: 3, BIG: 4, GROUPED: 5, GZ_DELTA: 6 } as const;
/*
 * DATA.GZ_DELTA (version 2): a gzip file whose old file (the ref) is gzip too; its decompressed content is coded in a
 * frame of its own against the old file's decompressed content, and the recipe (src/patch/gz-inside.ts) makes the
 * exact compressed bytes again.
 */
/**
 * An entry's flag (version 3, beside the header fields of header-fields.ts): its structure, with those fields taken
 * out, is the `hdr` old entry's, byte for byte, so it is not in the structure frame; the decoder copies the old one.
 */
export const STRUCT_SAME = 4;
/** Delta-coded files up to this size go (v2) into their block's grouped-delta frame, not one frame each. */
export const GROUP_FILE = 64 << 10;

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

/** A layer patch blob and the base layers it reads, by DiffID, in its numbering order. */
export interface LayerPatch { digest: Digest; size: number; bases: Digest[]; stats?: Record<string, number> }

export interface PatchLayer {
  diffId: Digest;
  chainId: Digest;
  /** Size of the uncompressed tar. */
  size: number;
  how: LayerHow;
  /** How the target stored it ('none', 'gzip', 'zstd'): a patched layer comes back uncompressed. */
  storedCompression: string;
  /** 'patch': the patch blob and the base layers it reads, by DiffID, in its numbering order. */
  patch?: LayerPatch;
  /**
   * 'patch', in a delta for sites at several releases: more patches of the same layer, each against what one site
   * holds; apply takes the first of `patch`, `alternatives...` whose base layers it has.
   */
  alternatives?: LayerPatch[];
  /**
   * 'patch' of a layer the target stored compressed: the blob the target stored (its registry digest), which the
   * recipe makes again bit for bit from the rebuilt tar. Absent: the layer comes back uncompressed (new digests).
   */
  blob?: PatchBlob;
  /** 'whole': the layer as the target stored it. */
  whole?: { digest: Digest; size: number; compression: string };
  /** 'base': the images that held it where the delta was made. */
  providedBy?: string[];
}

export interface PatchIndex {
  schema: typeof PATCH_SCHEMA;
  created: string;
  images: PatchImage[];
  /** Every distinct layer (by ChainID) of the images. */
  layers: PatchLayer[];
  /** What the delta was made against, in words (the --base names). */
  madeAgainst: string[];
  /** The base images (a tag, else the image ID): what a bare `--base docker-daemon:` stands for in apply. */
  baseImages?: string[];
  /** The site states a bundle was made for (`stowage bundle --site`): it applies on a site holding any of them. */
  sites?: PatchSite[];
  /**
   * The target's image index (a multi-platform image), a blob of the delta, byte for byte: recorded when every image
   * it lists arrives exact, so a registry gets it as it was and the index digest is upstream's.
   */
  index?: {
    digest: Digest; size: number; mediaType: string;
    /** Issue 20 item 3: what refers to the index digest (a signature of the whole multi-platform image), as for an image. */
    referrers?: PatchReferrer[];
    /**
     * The manifests the index lists beside its images that are not images (BuildKit's attestation manifests:
     * provenance, SBOMs, in-toto JSON layers), each a blob of the delta with the blobs it names, so the index travels
     * with upstream's digest. Additive: a reader from before it refuses such a delta by its unknown field.
     */
    artifacts?: PatchArtifact[];
  };
}

/** A manifest an index lists that is not an image (an attestation manifest), kept as it was, with its blobs. */
export type PatchArtifact = Omit<PatchReferrer, 'tag'>;

/** A site state a delta was made for: the have file or receipt, by name and digest, and the images it records. */
export interface PatchSite {
  name: string;
  digest: Digest;
  images: string[];
}

/** A compressed blob as the target stored it, and the recipe that makes it again from the layer's tar. */
export interface PatchBlob {
  digest: Digest;
  size: number;
  mediaType: string;
  recipe: Recipe;
}

export interface PatchImage {
  tags: string[];
  config: { digest: Digest; size: number };
  layers: Digest[];
  /**
   * The target's own manifest, a blob of the delta, byte for byte (when the target had one: a registry, an OCI
   * layout). Recorded only when every layer the delta ships arrives with the blob digest the manifest names, so
   * apply can write it as it was and the manifest digest is upstream's.
   */
  manifest?: { digest: Digest; size: number; mediaType: string };
  /**
   * Issue 20 item 3: what refers to this image's manifest in the repository it was read from (cosign's
   * `sha256-<hex>.sig/.att/.sbom` tags, the referrers tag scheme's `sha256-<hex>` index and the manifests it lists):
   * each manifest a blob of the delta, byte for byte, with the blobs it names. Apply pushes them beside the image.
   */
  referrers?: PatchReferrer[];
}

/** A manifest that refers to an image (a signature, an attestation, an SBOM, a referrers index), kept as it was. */
export interface PatchReferrer {
  /** The tag it was found under (absent: listed in a referrers index, pushed by digest). */
  tag?: string;
  digest: Digest;
  size: number;
  mediaType: string;
  /** The blobs it names (config and layers; none for an index). */
  blobs: { digest: Digest; size: number; mediaType: string }[];
}

const MAX_INDEX = 16 << 20;
export const PATCH_INDEX_LIMIT = MAX_INDEX;

