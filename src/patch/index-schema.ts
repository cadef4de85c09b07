/**
 * The patch index (`stowage-patch.json`) checked against its documented schema (docs/patch-format.md) before any
 * field is used: every field's type and range, the fields each `how` allows and no others, and the links between
 * them (each image's ChainIDs follow from its layers' DiffIDs; a config is not a layer's blob). A hostile or damaged
 * index fails with one line naming the delta and the field, never deeper in apply, inspect or check.
 */
import { parseRecipe } from '../compress/recipes/recipe.js';
import { StowageError } from '../errors.js';
import { JSON_LIMIT } from '../limits.js';
import { isDigest, type Digest } from '../oci/digest.js';
import { chainIds } from '../oci/identities.js';
import { isRecord } from '../oci/json.js';
import { DOCKER_LAYER, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST } from '../oci/mediatypes.js';
import { parseJsonInput } from '../oci/json-input.js';
import { PATCH_SCHEMA, type PatchIndex } from './format.js';
import { checkArtifacts, checkReferrers } from './referrers-schema.js';

const COMPRESSIONS = ['none', 'gzip', 'zstd'];
const TOP = ['schema', 'created', 'madeAgainst', 'baseImages', 'sites', 'images', 'layers', 'index'];
const IMAGE = ['tags', 'config', 'layers', 'manifest', 'referrers'];
const LAYER = ['diffId', 'chainId', 'how', 'size', 'storedCompression', 'patch', 'alternatives', 'whole', 'providedBy', 'blob'];
/** The media types a recompressed blob may have (gzip layers), and a kept manifest (an image manifest). */
const GZIP_LAYER_TYPES = [OCI_LAYER_GZIP, DOCKER_LAYER];
const MANIFEST_TYPES = [OCI_MANIFEST, DOCKER_MANIFEST];
const INDEX_TYPES = [OCI_INDEX, DOCKER_MANIFEST_LIST];
/** The field a layer of each kind must have; the others' are refused on it. */
const OWN: Record<string, string | undefined> = { base: 'providedBy', patch: 'patch', whole: 'whole' };

export function validatePatchIndex(doc: unknown, what: string, schema: string): PatchIndex {
  const bad = (field: string, why: string): never => {
    throw new StowageError(`${what}: not a valid stowage patch index: ${field} ${why}`);
  };
  const obj = (v: unknown, field: string, keys: string[]): Record<string, unknown> => {
    if (!isRecord(v)) return bad(field, `must be an object, not ${kind(v)}`);
    for (const k of Object.keys(v)) if (!keys.includes(k)) bad(`${field}.${k}`.replace(/^\./, ''), 'is not a field of this format');
    return v;
  };
  const arr = (v: unknown, field: string): unknown[] => (Array.isArray(v) ? v : bad(field, `must be an array, not ${kind(v)}`));
  const str = (v: unknown, field: string): string => (typeof v === 'string' ? v : bad(field, `must be a string, not ${kind(v)}`));
  const strings = (v: unknown, field: string): string[] => arr(v, field).map((s, i) => str(s, `${field}[${i}]`));
  const digest = (v: unknown, field: string): Digest => (isDigest(v) ? v : bad(field, `must be a sha256 digest, not ${kind(v)}`));
  const size = (v: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return bad(field, `must be a whole number of bytes, not ${kind(v)}`);
    if (v < min || v > max) return bad(field, `is ${v}, outside ${min}..${max}`);
    return v;
  };

  const top = obj(doc, '', TOP);
  if (top.schema !== schema) {
    if (typeof top.schema === 'string' && top.schema.startsWith('stowage.patch/')) throw new StowageError(`${what}: not a valid stowage patch index (version ${top.schema} is not one this stowage reads)`);
    bad('schema', `must be ${schema}, not ${kind(top.schema)}`);
  }
  if (Number.isNaN(Date.parse(str(top.created, 'created')))) bad('created', 'must be a date and time');
  strings(top.madeAgainst, 'madeAgainst');
  if (top.baseImages !== undefined) strings(top.baseImages, 'baseImages');
  if (top.sites !== undefined) {
    for (const [i, raw] of arr(top.sites, 'sites').entries()) {
      const s = obj(raw, `sites[${i}]`, ['name', 'digest', 'images']);
      str(s.name, `sites[${i}].name`);
      digest(s.digest, `sites[${i}].digest`);
      strings(s.images, `sites[${i}].images`);
    }
  }

  const layers = arr(top.layers, 'layers');
  const byChain = new Map<string, Digest>();
  const layerBlobs = new Set<string>();
  for (const [i, raw] of layers.entries()) {
    const f = `layers[${i}]`;
    const l = obj(raw, f, LAYER);
    const diffId = digest(l.diffId, `${f}.diffId`);
    const chainId = digest(l.chainId, `${f}.chainId`);
    if (byChain.has(chainId)) bad(`${f}.chainId`, `repeats layers[${[...byChain.keys()].indexOf(chainId)}]'s`);
    byChain.set(chainId, diffId);
    const how = str(l.how, `${f}.how`);
    if (!(how in OWN)) bad(`${f}.how`, `must be base, patch or whole, not ${JSON.stringify(how)}`);
    size(l.size, `${f}.size`);
    if (!COMPRESSIONS.includes(str(l.storedCompression, `${f}.storedCompression`))) bad(`${f}.storedCompression`, `must be ${COMPRESSIONS.join(', ')}`);
    for (const other of ['providedBy', 'patch', 'whole']) if (other !== OWN[how] && l[other] !== undefined) bad(`${f}.${other}`, `does not belong on a layer whose how is ${how}`);
    if (how !== 'patch' && l.alternatives !== undefined) bad(`${f}.alternatives`, `does not belong on a layer whose how is ${how}`);
    if (how !== 'patch' && l.blob !== undefined) bad(`${f}.blob`, `does not belong on a layer whose how is ${how}`);
    if (how === 'base') {
      if (l.providedBy !== undefined) strings(l.providedBy, `${f}.providedBy`);
    } else if (how === 'patch') {
      const onePatch = (raw: unknown, pf: string) => {
        const p = obj(raw, pf, ['digest', 'size', 'bases', 'stats']);
        layerBlobs.add(digest(p.digest, `${pf}.digest`));
        size(p.size, `${pf}.size`, 1);
        // Empty: the layer coded on its own (no base layer held everywhere has its files); still smaller than whole.
        arr(p.bases, `${pf}.bases`).forEach((b, k) => digest(b, `${pf}.bases[${k}]`));
        if (p.stats !== undefined) {
          const s = obj(p.stats, `${pf}.stats`, Object.keys(isRecord(p.stats) ? p.stats : {}));
          for (const [k, v] of Object.entries(s)) size(v, `${pf}.stats.${k}`);
        }
      };
      onePatch(l.patch, `${f}.patch`);
      if (l.alternatives !== undefined) {
        const alts = arr(l.alternatives, `${f}.alternatives`);
        if (!alts.length || alts.length > 64) bad(`${f}.alternatives`, `must list 1..64 patches, not ${alts.length}`);
        alts.forEach((a, k) => onePatch(a, `${f}.alternatives[${k}]`));
      }
      if (l.blob !== undefined) {
        // The stored blob a recipe makes again: only a gzip layer has one (a plain tar is its own blob).
        const b = obj(l.blob, `${f}.blob`, ['digest', 'size', 'mediaType', 'recipe']);
        if (l.storedCompression !== 'gzip') bad(`${f}.blob`, `belongs only on a layer stored gzip, not ${String(l.storedCompression)}`);
        if (digest(b.digest, `${f}.blob.digest`) === diffId) bad(`${f}.blob.digest`, 'is the layer\'s DiffID, not the digest of a compressed blob');
        size(b.size, `${f}.blob.size`, 18);
        const mt = str(b.mediaType, `${f}.blob.mediaType`);
        if (!GZIP_LAYER_TYPES.includes(mt)) bad(`${f}.blob.mediaType`, `must be a gzip layer type (${GZIP_LAYER_TYPES.join(', ')}), not ${kind(mt)}`);
        parseRecipe(b.recipe, `${what}: not a valid stowage patch index: ${f}.blob.recipe`);
      }
    } else {
      const w = obj(l.whole, `${f}.whole`, ['digest', 'size', 'compression']);
      layerBlobs.add(digest(w.digest, `${f}.whole.digest`));
      size(w.size, `${f}.whole.size`);
      if (!COMPRESSIONS.includes(str(w.compression, `${f}.whole.compression`))) bad(`${f}.whole.compression`, `must be ${COMPRESSIONS.join(', ')}`);
    }
  }

  const images = arr(top.images, 'images');
  if (!images.length) bad('images', 'must list at least one image');
  for (const [i, raw] of images.entries()) {
    const f = `images[${i}]`;
    const img = obj(raw, f, IMAGE);
    strings(img.tags, `${f}.tags`);
    const c = obj(img.config, `${f}.config`, ['digest', 'size']);
    const cd = digest(c.digest, `${f}.config.digest`);
    if (layerBlobs.has(cd)) bad(`${f}.config.digest`, 'names a layer\'s blob, not a config');
    size(c.size, `${f}.config.size`, 2, JSON_LIMIT);
    if (img.manifest !== undefined) {
      const m = obj(img.manifest, `${f}.manifest`, ['digest', 'size', 'mediaType']);
      const md = digest(m.digest, `${f}.manifest.digest`);
      if (layerBlobs.has(md) || md === cd) bad(`${f}.manifest.digest`, 'names another blob of the delta, not a manifest');
      size(m.size, `${f}.manifest.size`, 2, JSON_LIMIT);
      const mt = str(m.mediaType, `${f}.manifest.mediaType`);
      if (!MANIFEST_TYPES.includes(mt)) bad(`${f}.manifest.mediaType`, `must be an image manifest type (${MANIFEST_TYPES.join(', ')}), not ${kind(mt)}`);
    }
    // Issue 20 item 3: signatures and other referrers of the image, each checked here (referrers-schema.ts).
    if (img.referrers !== undefined) checkReferrers(img.referrers, `${f}.referrers`, img.manifest !== undefined, bad);
    const list = arr(img.layers, `${f}.layers`).map((d, k) => digest(d, `${f}.layers[${k}]`));
    // Each ChainID follows from the DiffIDs below it: a list reordered or with a layer repeated breaks the chain.
    const diffIds = list.map((ch, k) => byChain.get(ch) ?? bad(`${f}.layers[${k}]`, `names ${ch}, which the index's layers do not describe`));
    const expect = chainIds(diffIds);
    for (const [k, ch] of list.entries()) if (expect[k] !== ch) bad(`${f}.layers[${k}]`, `is ${ch}, but the layers below it make ChainID ${expect[k]} (a reordered or repeated layer list)`);
  }
  if (top.index !== undefined) {
    const x = obj(top.index, 'index', ['digest', 'size', 'mediaType', 'referrers', 'artifacts']);
    const xd = digest(x.digest, 'index.digest');
    if (layerBlobs.has(xd) || images.some((m) => isRecord(m) && (isRecord(m.config) && m.config.digest === xd || isRecord(m.manifest) && m.manifest.digest === xd))) bad('index.digest', 'names another blob of the delta, not an index');
    size(x.size, 'index.size', 2, JSON_LIMIT);
    const mt = str(x.mediaType, 'index.mediaType');
    if (!INDEX_TYPES.includes(mt)) bad('index.mediaType', `must be an image index type (${INDEX_TYPES.join(', ')}), not ${kind(mt)}`);
    // Issue 20 item 3: the signatures of the index digest, checked as an image's are.
    if (x.referrers !== undefined) checkReferrers(x.referrers, 'index.referrers', true, bad);
    // Issue 20: the index's other manifests (BuildKit's attestation manifests), so it travels with upstream's digest.
    if (x.artifacts !== undefined) checkArtifacts(x.artifacts, 'index.artifacts', bad);
    images.forEach((m, i) => { if (!isRecord(m) || m.manifest === undefined) bad(`images[${i}].manifest`, 'is missing: an index is kept only when every image it lists keeps its manifest'); });
  }
  return doc as PatchIndex;
}

function kind(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? 'a long string' : JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  return `a ${typeof v}`;
}

/** Parses and validates the index before any field of it is used. */
export function parsePatchIndex(bytes: Buffer, what: string): PatchIndex {
  return validatePatchIndex(parseJsonInput(bytes, what, 'a patch delta\'s index is the JSON that stowage delta --patch writes'), what, PATCH_SCHEMA);
}
