/**
 * `layers`: where the bytes of an image go. One streaming pass over the layers, bottom first; every file's content
 * is hashed on the way (duplicates across layers are found by content, not by name). Two accountings come out of
 * the same pass:
 *
 * - dive's (layers-dive.ts): efficiency, wastedBytes, userWastedPercent, with dive's meanings, so CI thresholds
 *   written for `dive --ci` carry over;
 * - stowage's own (layers-waste.ts): per layer what it adds, changes and removes, and the bytes of its files that
 *   are not needed at the top, by why (overwritten, deleted, duplicate of a lower layer's content).
 *
 * Memory grows with the number of paths (one node per path, one record per stored file), never with file sizes.
 */
import { polling } from '../image/progress.js';
import { StowageError } from '../errors.js';
import type { Layer } from '../image/layer.js';
import type { ImageSource, LayerRecord, SourceImage } from '../image/model.js';
import { classify, cleanName } from '../layerfs/names.js';
import type { PathTree } from '../layerfs/path-tree.js';
import type { Digest } from '../oci/digest.js';
import { formatPlatform } from '../oci/platform.js';
import { readTar } from '../tar/reader.js';
import { ContentHasher } from './layers-hash.js';
import { DiveEfficiency, type DiveInefficiency } from './layers-dive.js';
import type { RuleResult } from './layers-ci.js';
import { TopN, WasteFold, newTally, reclaimable, type Count, type EntryKind, type LayerTally, type Reclaimable, type StoredCopy, type WasteFile } from './layers-waste.js';

export interface LayersOptions {
  /** How many of the largest files, directories and wasted files to keep per layer and overall (default 10). */
  top?: number;
  /** Called about every 200 ms with the layer bytes read so far. */
  onProgress?: (bytes: number) => void;
}

export interface SizedPath {
  path: string;
  size: number;
}

export interface LayerReport {
  index: number;
  diffId: Digest;
  /** The layer as stored: digest where known, size, compression. */
  blob: { digest: Digest | null; size: number | null; compression: string | null };
  /** dive's layer size: the sum of the layer's tar entry sizes (file contents). */
  size: number;
  /** dive's wasted bytes, split by layer: this layer's entries at paths that appear in two layers or more. */
  wastedBytes: number;
  /** Bytes of this layer's files not needed at the top, by why. */
  reclaimable: Reclaimable;
  entries: { total: number; files: number; dirs: number; symlinks: number; hardlinks: number; others: number };
  added: Count;
  changed: Count;
  removed: Count;
  whiteouts: number;
  opaqueDirs: number;
  /** Bytes of lower layers' files this layer overwrites or deletes. */
  hidesBytes: number;
  history: { created: string | null; createdBy: string | null; comment: string | null } | null;
  topFiles: SizedPath[];
  /** Directories by the bytes of the files this layer puts below them. */
  topDirs: SizedPath[];
}

export interface LayersReport {
  schema: 'stowage.layers/v1';
  source: string;
  image: { tags: string[]; imageId: Digest; platform: string; created: string | null };
  /** dive: sum over paths of the smallest size seen / sum over paths of every size seen (1 when empty). */
  efficiency: number;
  /** dive: the bytes of every path that appears in two layers or more, each copy counted. */
  wastedBytes: number;
  /** dive: wastedBytes / userSizeBytes, a fraction (0.1 is 10%); null when there are no user bytes but waste. */
  userWastedPercent: number | null;
  /** dive: the sum of the layer sizes. */
  sizeBytes: number;
  /** dive: the sum of the sizes of every layer but the first. */
  userSizeBytes: number;
  /** Bytes of file content visible at the top (hard-linked content once). */
  visibleBytes: number;
  /** Bytes stored in the layers that the top does not need, by why (stowage's accounting, per layer below). */
  reclaimable: Reclaimable;
  layers: LayerReport[];
  /** dive's inefficient paths, largest first. */
  inefficiencies: DiveInefficiency[];
  /** The largest files that are overwritten, deleted or duplicated, largest first. */
  wasteFiles: WasteFile[];
  /** The CI gate, when asked for. */
  ci?: { pass: boolean; file: string | null; rules: RuleResult[] };
  seconds: number;
  warnings: string[];
}

/** The report, the filesystem at the top, and every stored file (for the HTML report's map and delta estimate). */
export interface LayersAnalysis {
  report: LayersReport;
  tree: PathTree<{ layer: number; kind: EntryKind; size: number; copy?: StoredCopy }>;
  copies: StoredCopy[];
}

function kindOf(type: string): EntryKind {
  if (type === 'file' || type === 'dir' || type === 'symlink' || type === 'hardlink') return type;
  return 'other';
}

/**
 * The largest directories by the bytes below them, leaving out a directory whose bytes all lie in one listed
 * subdirectory (/usr when everything is in /usr/share/doc): it would say nothing new.
 */
function largestDirs(bytes: Map<string, number>, n: number): SizedPath[] {
  const all = [...bytes].sort((a, b) => b[1] - a[1] || b[0].length - a[0].length);
  const out: SizedPath[] = [];
  const kept: [string, number][] = [];
  for (const [d, b] of all) {
    if (out.length >= n) break;
    if (kept.some(([k, kb]) => kb === b && k.startsWith(d + '/'))) continue;
    kept.push([d, b]);
    out.push({ path: '/' + d, size: b });
  }
  return out;
}

/** What one pass over the layers shares: the folds the report is made from, the hasher, the bytes read so far. */
interface Scan {
  fold: WasteFold;
  dive: DiveEfficiency;
  hasher: ContentHasher;
  top: number;
  read: number;
}

/** Reads one layer's tar into the folds; returns its largest files and directories. */
async function scanLayer(l: Layer, t: number, what: string, scan: Scan): Promise<{ files: SizedPath[]; dirs: SizedPath[] }> {
  const { fold, dive, hasher } = scan;
  fold.beginLayer(t);
  const files = new TopN<SizedPath>(scan.top, (x) => x.size);
  const dirBytes = new Map<string, number>();
  let layerSize = 0;
  const tarSrc = await l.tar(what);
  await hasher.beginLayer(l);
  try {
    for await (const e of readTar(tarSrc, { what, allowEmpty: true })) {
      const h = e.header;
      const path = cleanName(h.name, what);
      const kind = kindOf(h.type);
      // Types whose data area is empty whatever the size field says count 0, as Go's archive/tar reads them.
      const size = kind === 'file' || kind === 'other' ? h.size : 0;
      layerSize += size;
      scan.read += size;
      dive.add(path, size, kind === 'dir');
      const special = classify(path, what);
      if (special?.kind === 'meta') continue;
      if (special?.kind === 'whiteout') {
        fold.whiteout(special.target);
        continue;
      }
      if (special?.kind === 'opaque') {
        fold.opaque(special.dir);
        continue;
      }
      let hash = '';
      let later = false;
      // A large file's hash may come from a worker after the entry is recorded: it lands in the record.
      const slot: { copy?: StoredCopy } = {};
      if (size > 0) {
        const now = await hasher.hash(e, size, (h) => {
          if (slot.copy) slot.copy.hash = h;
        });
        if (now === undefined) later = true;
        else hash = now;
        files.add({ path: '/' + path, size });
        for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
          const d = path.slice(0, i);
          dirBytes.set(d, (dirBytes.get(d) ?? 0) + size);
        }
      }
      const link = kind === 'hardlink' ? cleanName(h.linkname, what, `hard link ${JSON.stringify(h.name)} target`) : undefined;
      slot.copy = fold.entry(path, kind, size, hash, link);
      if (later && !slot.copy) throw new StowageError(`${what}: ${JSON.stringify(h.name)}: content without a record`);
    }
  } finally {
    await tarSrc.close();
  }
  dive.endLayer(t, layerSize);
  return { files: files.sorted(), dirs: largestDirs(dirBytes, scan.top) };
}

/** One layer's line of the report, from the folds. */
function layerReport(l: LayerRecord, t: number, tally: LayerTally, wasted: number, reclaim: Reclaimable, tops: { files: SizedPath[]; dirs: SizedPath[] }): LayerReport {
  const blobDigest = l.descriptor?.digest ?? (l.compression === 'none' ? l.diffId : null);
  return {
    index: t,
    diffId: l.diffId,
    blob: { digest: blobDigest, size: l.descriptor?.size ?? l.storedSize ?? null, compression: l.compression ?? null },
    size: tally.bytes,
    wastedBytes: wasted,
    reclaimable: reclaim,
    entries: { total: tally.entries, files: tally.files, dirs: tally.dirs, symlinks: tally.symlinks, hardlinks: tally.hardlinks, others: tally.others },
    added: tally.added,
    changed: tally.changed,
    removed: tally.removed,
    whiteouts: tally.whiteouts,
    opaqueDirs: tally.opaqueDirs,
    hidesBytes: tally.hidesBytes,
    history: l.history
      ? { created: l.history.created ?? null, createdBy: l.history.created_by ?? null, comment: l.history.comment ?? null }
      : null,
    topFiles: tops.files,
    topDirs: tops.dirs,
  };
}

export async function analyzeLayers(src: ImageSource, img: SourceImage, opts: LayersOptions = {}): Promise<LayersAnalysis> {
  const started = performance.now();
  const n = img.layers.length;
  const scan: Scan = { fold: new WasteFold(), dive: new DiveEfficiency(), hasher: new ContentHasher(), top: opts.top ?? 10, read: 0 };
  const { fold } = scan;
  const layerTops: { files: SizedPath[]; dirs: SizedPath[] }[] = [];
  try {
    await polling(opts.onProgress, () => scan.read, async () => {
      for (const [t, l] of src.layers(img).entries()) layerTops[t] = await scanLayer(l, t, `${src.spec}: layer ${t + 1}/${n}`, scan);
      await scan.hasher.finish();
    });
  } finally {
    await scan.hasher.close();
  }
  if (n === 0) throw new StowageError(`${src.spec}: the image has no layers`);

  const d = scan.dive.result(scan.top);
  const waste = reclaimable(fold, n, scan.top);
  let visibleBytes = 0;
  for (const c of fold.copies) if (!c.hidden) visibleBytes += c.size;
  const total: Reclaimable = { overwritten: 0, deleted: 0, duplicate: 0, total: 0 };
  for (const r of waste.perLayer) {
    total.overwritten += r.overwritten;
    total.deleted += r.deleted;
    total.duplicate += r.duplicate;
    total.total += r.total;
  }
  const layers = img.layers.map((l, t) => layerReport(l, t, fold.tallies[t] ?? newTally(), d.perLayerWasted[t] ?? 0, waste.perLayer[t]!, layerTops[t]!));
  const report: LayersReport = {
    schema: 'stowage.layers/v1',
    source: src.spec,
    image: {
      tags: img.tags,
      imageId: img.config.digest,
      platform: formatPlatform(img.platform),
      created: typeof img.config.parsed.created === 'string' ? img.config.parsed.created : null,
    },
    efficiency: d.efficiency,
    wastedBytes: d.wastedBytes,
    userWastedPercent: d.userWastedPercent,
    sizeBytes: d.sizeBytes,
    userSizeBytes: d.userSizeBytes,
    visibleBytes,
    reclaimable: total,
    layers,
    inefficiencies: d.inefficiencies,
    wasteFiles: waste.files,
    seconds: (performance.now() - started) / 1000,
    warnings: [],
  };
  return { report, tree: fold.tree, copies: fold.copies };
}
