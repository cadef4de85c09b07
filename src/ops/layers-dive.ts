/**
 * dive's figures (github.com/wagoodman/dive: filetree/efficiency.go, image analysis, runtime/ci), computed the way
 * dive computes them so that thresholds written for `dive --ci` mean the same here. The rules, as dive applies them:
 *
 * - Each layer is a tree of its tar entries' paths (and their parent directories). Only the leaves of each layer's
 *   tree count: files, links, whiteouts, and directories with nothing below them in that layer.
 * - A leaf's size is its tar entry size; a whiteout's size is, when the path it deletes is a directory in the layers
 *   below stacked, the sum of the entry sizes below that directory, else 0. Opaque markers are ignored.
 * - Per path (whiteouts name the path they delete): cumulative = the sum of its leaf sizes over all layers,
 *   minimum = the smallest of them.
 * - efficiency = sum over paths of minimum / sum over paths of cumulative (1 when nothing has a size).
 * - wastedBytes = sum of cumulative over the paths that appear in two layers or more (the copy kept at the top
 *   counts too: a 1 MB file written twice wastes 2 MB in dive's terms).
 * - layer size = sum of its tar entry sizes; userSizeBytes = the sizes of every layer but the first (the base);
 *   userWastedPercent = wastedBytes / userSizeBytes, a fraction despite the name (0.1 is 10%).
 *
 * Consequences worth knowing (they are dive's, kept so the numbers compare): deleting a whole directory is not waste
 * unless that directory was itself a leaf (empty) in a layer below; files hidden by an opaque directory are not
 * waste; a file re-written with identical bytes is. stowage's own accounting (layers-waste.ts) has none of these.
 */
import { PathTree } from '../layerfs/path-tree.js';
import { TopN } from './layers-waste.js';

interface PathStat {
  cumulative: number;
  minimum: number;
  nodes: number;
  /** Layer and size of the first node, and of the others (pairs) once the path repeats: per-layer waste. */
  l0: number;
  s0: number;
  more?: number[];
}

/**
 * A path seen in one layer only (most paths) is kept as one number, size * PACK + layer, not an object; it becomes
 * a PathStat when it repeats.
 */
const PACK = 16384;
const MAX_PACKED = Math.floor(Number.MAX_SAFE_INTEGER / PACK);

/**
 * dive's stacked tree payload, one number per path (no object per path): the entry size, or for a directory
 * -(size + 1).
 */
type Payload = number;
const payload = (size: number, dir: boolean): Payload => (dir ? -(size + 1) : size);
const sizeOf = (p: Payload): number => (p < 0 ? -p - 1 : p);

export interface DiveInefficiency {
  path: string;
  /** Layers in which the path is a leaf. */
  count: number;
  cumulativeBytes: number;
}

export interface DiveFigures {
  efficiency: number;
  wastedBytes: number;
  sizeBytes: number;
  userSizeBytes: number;
  /** null when the image has no user bytes but waste (dive divides by zero: +Inf). */
  userWastedPercent: number | null;
  /** dive's wastedBytes split by the layer each counted node belongs to. */
  perLayerWasted: number[];
  inefficiencies: DiveInefficiency[];
}

const WHITEOUT = '.wh.';
const DIR = 1;
const WH = 2;
const DOUBLE_WHITEOUT = '.wh..wh..';

export class DiveEfficiency {
  private readonly stacked = new PathTree<Payload>();
  private readonly paths = new Map<string, number | PathStat>();
  /** The current layer's entries, as parallel arrays (no object per entry): the cleaned tar name (`.wh.` prefix
   * kept: the node dive's layer tree holds), the path it stands for (whiteouts: the deleted path), size, flags. */
  private names: string[] = [];
  private targets: string[] = [];
  private entrySizes: number[] = [];
  private flags: number[] = [];
  private readonly sizes: number[] = [];

  /** A tar entry of the current layer, by its cleaned name; `size` is the tar entry's size. */
  add(name: string, size: number, dir: boolean): void {
    if (name === '') return; // dive skips "."
    // dive never adds names starting with ".wh..wh.." (opaque markers): they are not nodes at all.
    if (name.includes(DOUBLE_WHITEOUT) && name.split('/').some((p) => p.startsWith(DOUBLE_WHITEOUT))) return;
    const slash = name.lastIndexOf('/');
    const whiteout = name.startsWith(WHITEOUT, slash + 1);
    this.names.push(name);
    this.targets.push(whiteout ? name.slice(0, slash + 1) + name.slice(slash + 1 + WHITEOUT.length) : name);
    this.entrySizes.push(size);
    this.flags.push((dir ? DIR : 0) | (whiteout ? WH : 0));
  }

  endLayer(t: number, layerSize: number): void {
    this.sizes[t] = layerSize;
    const { names, targets, entrySizes, flags } = this;
    // The last entry for a name wins, as in dive's tree.
    const last = new Map<string, number>();
    const parents = new Set<string>();
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      last.set(name, i);
      for (let j = name.lastIndexOf('/'); j > 0; j = name.lastIndexOf('/', j - 1)) {
        const a = name.slice(0, j);
        if (parents.has(a)) break;
        parents.add(a);
      }
    }
    for (const [name, i] of last) {
      if (parents.has(name)) continue; // not a leaf
      const size = flags[i]! & WH ? this.stackedDirSize(targets[i]!) : entrySizes[i]!;
      this.note(targets[i]!, t, size);
    }
    // Stack the layer on the tree of the layers below: whiteouts remove, every other node (its parent directories
    // included, which carry an empty payload when the layer has no entry for them) replaces the payload.
    for (const i of last.values()) {
      if (!(flags[i]! & WH)) continue;
      const n = this.stacked.get(targets[i]!);
      if (n && n !== this.stacked.root) this.stacked.detach(n);
    }
    for (const a of parents) if (!last.has(a)) this.stacked.ensure(a).v = 0;
    for (const [name, i] of last) {
      if (flags[i]! & WH) continue;
      this.stacked.ensure(name).v = payload(entrySizes[i]!, (flags[i]! & DIR) !== 0);
    }
    this.names = [];
    this.targets = [];
    this.entrySizes = [];
    this.flags = [];
  }

  private stackedDirSize(path: string): number {
    const n = this.stacked.get(path);
    if (!n || n === this.stacked.root || n.v === undefined || n.v >= 0) return 0;
    let sum = 0;
    for (const c of this.stacked.walk(n)) sum += c.v === undefined ? 0 : sizeOf(c.v);
    return sum;
  }

  private note(path: string, t: number, size: number): void {
    const v = this.paths.get(path);
    if (v === undefined) {
      this.paths.set(path, size <= MAX_PACKED ? size * PACK + t : { cumulative: size, minimum: size, nodes: 1, l0: t, s0: size });
      return;
    }
    let s: PathStat;
    if (typeof v === 'number') {
      const l0 = v % PACK;
      const s0 = (v - l0) / PACK;
      s = { cumulative: s0, minimum: s0, nodes: 1, l0, s0 };
      this.paths.set(path, s);
    } else {
      s = v;
    }
    s.cumulative += size;
    if (size < s.minimum) s.minimum = size;
    s.nodes++;
    (s.more ??= []).push(t, size);
  }

  result(topN: number): DiveFigures {
    let minimum = 0;
    let discovered = 0;
    let wasted = 0;
    const perLayerWasted = this.sizes.map(() => 0);
    const top = new TopN<DiveInefficiency>(topN, (x) => x.cumulativeBytes);
    for (const [path, s] of this.paths) {
      if (typeof s === 'number') {
        const size = (s - (s % PACK)) / PACK;
        minimum += size;
        discovered += size;
        continue;
      }
      minimum += s.minimum;
      discovered += s.cumulative;
      if (s.nodes < 2) continue;
      wasted += s.cumulative;
      perLayerWasted[s.l0]! += s.s0;
      for (let i = 0; i < s.more!.length; i += 2) perLayerWasted[s.more![i]!]! += s.more![i + 1]!;
      top.add({ path: '/' + path, count: s.nodes, cumulativeBytes: s.cumulative });
    }
    const sizeBytes = this.sizes.reduce((a, b) => a + b, 0);
    const userSizeBytes = sizeBytes - (this.sizes[0] ?? 0);
    return {
      efficiency: discovered === 0 ? 1 : minimum / discovered,
      wastedBytes: wasted,
      sizeBytes,
      userSizeBytes,
      userWastedPercent: userSizeBytes > 0 ? wasted / userSizeBytes : wasted > 0 ? null : 0,
      perLayerWasted,
      inefficiencies: top.sorted(),
    };
  }
}
