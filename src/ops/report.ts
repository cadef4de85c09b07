/**
 * `report`: everything `layers` and `inspect` say about an image, gathered for one self-contained HTML page
 * (src/report/html.ts renders it): the layers with their waste, the merged filesystem as a tree of sizes (pruned
 * to what a page can show), the full history, every identity, and with a base what a thin delta (layers the base
 * lacks by ChainID) and a file-level patch (contents the base does not hold) would ship.
 */
import type { ImageSource, SourceImage } from '../image/model.js';
import type { PathTree, TreeNode } from '../layerfs/path-tree.js';
import { chainIds } from '../oci/identities.js';
import type { Digest } from '../oci/digest.js';
import type { HistoryEntry } from '../oci/types.js';
import { inspectImage, type InspectImage } from './inspect.js';
import { analyzeLayers, type LayersReport } from './layers.js';
import type { EntryKind } from './layers-waste.js';

/** A node of the merged filesystem as the page draws it. */
export interface FsNode {
  name: string;
  path: string;
  /** Bytes of visible file content at and below it (hard-linked content counted at one name). */
  size: number;
  /** Files: the layer that wrote it; directories and groups: the layer of the largest file inside. */
  layer: number;
  kind: 'file' | 'dir' | 'more';
  /** For 'more': how many entries were grouped. */
  count?: number;
  kids?: FsNode[];
}

export interface DeltaEstimate {
  base: string;
  baseTags: string[];
  /** Per target layer: whether the base holds it by ChainID. */
  layers: { index: number; chainId: Digest; storedBytes: number; inBase: boolean }[];
  /** A full `docker save`'s layer bytes. */
  fullBytes: number;
  /** The layers a thin delta carries (stowage delta): those the base lacks by ChainID. */
  thinBytes: number;
  thinLayers: number;
  /**
   * A file-level patch of the layers the base lacks: the bytes of their file contents that the base holds nowhere
   * (by sha256), plus one 512-byte tar header per entry. An upper bound before binary diffs and compression.
   */
  patchBytes: number;
  /** Files whose content the base already holds (a patch reuses them): count and bytes. */
  reused: { files: number; bytes: number };
}

export interface ReportData {
  schema: 'stowage.report/v1';
  generator: string;
  source: string;
  layers: LayersReport;
  identities: InspectImage;
  /** The config's history, empty layers (ENV, LABEL...) included, each with the layer it made, if any. */
  history: (HistoryEntry & { layer: number | null })[];
  fs: FsNode;
  /** Entries the map leaves out (grouped): how many paths the filesystem has, how many nodes the page draws. */
  fsPaths: number;
  fsNodes: number;
  delta?: DeltaEstimate;
}

export interface ReportOptions {
  /** Most nodes the filesystem map draws (default 1500). */
  maxNodes?: number;
  onProgress?: (bytes: number) => void;
}

type Entry = { layer: number; kind: EntryKind; size: number; copy?: object & { size: number } };
type Tree = PathTree<Entry>;
type Node = TreeNode<Entry>;

interface Sized {
  size: number;
  maxFile: number;
  maxLayer: number;
  paths: number;
}

/**
 * Sizes of every node, bottom up. A content shared by hard links counts once, at the first of its names met (so a
 * link whose target name was deleted still shows the bytes it keeps).
 */
function sizeTree(tree: Tree): Map<Node, Sized> {
  const sizes = new Map<Node, Sized>();
  const counted = new Set<object>();
  for (const n of tree.walk(tree.root)) {
    let own = 0;
    const copy = n.v?.copy;
    if (copy && !counted.has(copy)) {
      counted.add(copy);
      own = copy.size;
    }
    const s: Sized = { size: own, maxFile: own, maxLayer: n.v?.layer ?? 0, paths: n === tree.root ? 0 : 1 };
    if (n.kids) {
      for (const k of n.kids.values()) {
        const ks = sizes.get(k)!;
        s.size += ks.size;
        s.paths += ks.paths;
        if (ks.maxFile > s.maxFile) {
          s.maxFile = ks.maxFile;
          s.maxLayer = ks.maxLayer;
        }
      }
    }
    sizes.set(n, s);
  }
  return sizes;
}

/**
 * The filesystem pruned for drawing: a child is drawn when it holds at least 1/maxNodes of the bytes and the budget
 * allows; the rest of a directory's children become one "more" node with their bytes.
 */
function pruneTree(tree: Tree, maxNodes: number): { root: FsNode; paths: number; nodes: number } {
  const sizes = sizeTree(tree);
  const rootSize = sizes.get(tree.root)!;
  const floor = rootSize.size / maxNodes;
  let nodes = 1;
  const root: FsNode = { name: '/', path: '/', size: rootSize.size, layer: rootSize.maxLayer, kind: 'dir', kids: [] };
  // Breadth first, largest first, so the budget goes to what is big at any depth.
  const queue: [Node, FsNode][] = [[tree.root, root]];
  while (queue.length) {
    const [n, out] = queue.shift()!;
    if (!n.kids) continue;
    const kids = [...n.kids.values()].map((k) => [k, sizes.get(k)!] as const).sort((a, b) => b[1].size - a[1].size);
    let rest = 0;
    let restCount = 0;
    let restLayer = 0;
    let restMax = -1;
    for (const [k, s] of kids) {
      if (s.size > 0 && s.size >= floor && nodes < maxNodes) {
        nodes++;
        const isDir = !!k.kids || k.v?.kind === 'dir';
        const path = (out.path === '/' ? '' : out.path) + '/' + k.name;
        const f: FsNode = { name: k.name, path, size: s.size, layer: s.maxLayer, kind: isDir ? 'dir' : 'file' };
        out.kids!.push(f);
        if (isDir) {
          f.kids = [];
          queue.push([k, f]);
        }
      } else {
        rest += s.size;
        restCount += s.paths;
        if (s.maxFile > restMax) {
          restMax = s.maxFile;
          restLayer = s.maxLayer;
        }
      }
    }
    if (rest > 0) {
      nodes++;
      out.kids!.push({ name: `${restCount} more`, path: (out.path === '/' ? '' : out.path) + '/…', size: rest, layer: restLayer, kind: 'more', count: restCount });
    }
  }
  return { root, paths: rootSize.paths, nodes };
}

export async function buildReport(
  src: ImageSource, img: SourceImage, generator: string,
  base?: { src: ImageSource; img: SourceImage }, opts: ReportOptions = {},
): Promise<ReportData> {
  const a = await analyzeLayers(src, img, { top: 10, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  const pruned = pruneTree(a.tree, opts.maxNodes ?? 1500);
  let layer = 0;
  const history = (img.config.parsed.history ?? []).map((h) => ({ ...h, layer: h.empty_layer ? null : layer++ }));
  const data: ReportData = {
    schema: 'stowage.report/v1',
    generator,
    source: src.spec,
    layers: a.report,
    identities: inspectImage(img),
    history,
    fs: pruned.root,
    fsPaths: pruned.paths,
    fsNodes: pruned.nodes,
  };
  if (base) data.delta = await estimateDelta(a, img, base);
  return data;
}

async function estimateDelta(target: Awaited<ReturnType<typeof analyzeLayers>>, img: SourceImage, base: { src: ImageSource; img: SourceImage }): Promise<DeltaEstimate> {
  const held = new Set(chainIds(base.img.config.parsed.rootfs.diff_ids));
  const layers = img.layers.map((l) => ({ index: l.index, chainId: l.chainId, storedBytes: l.storedSize ?? l.descriptor?.size ?? 0, inBase: held.has(l.chainId) }));
  const shipped = new Set(layers.filter((l) => !l.inBase).map((l) => l.index));
  // The base's contents, by hash: a patch rebuilds a file the base holds anywhere without shipping its bytes.
  const b = await analyzeLayers(base.src, base.img, { top: 0 });
  const have = new Set(b.copies.map((c) => c.hash));
  let patch = 0;
  const reused = { files: 0, bytes: 0 };
  for (const c of target.copies) {
    if (!shipped.has(c.layer)) continue;
    if (have.has(c.hash)) {
      reused.files++;
      reused.bytes += c.size;
    } else {
      patch += c.size;
    }
  }
  for (const l of target.report.layers) if (shipped.has(l.index)) patch += 512 * (l.entries.total + l.whiteouts + l.opaqueDirs);
  return {
    base: base.src.spec,
    baseTags: base.img.tags,
    layers,
    fullBytes: layers.reduce((s, l) => s + l.storedBytes, 0),
    thinBytes: layers.filter((l) => !l.inBase).reduce((s, l) => s + l.storedBytes, 0),
    thinLayers: shipped.size,
    patchBytes: patch,
    reused,
  };
}
