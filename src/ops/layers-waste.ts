/**
 * Where the bytes of an image's layers go: a fold over the layers, bottom first, that keeps the filesystem as it
 * stands after each layer and, for every file a layer stores, whether it is still visible at the top and, if not,
 * which later layer hid it and how (overwritten, deleted). At the end, visible copies of a content that a lower layer
 * also stores visibly are duplicates. Bottom first because a file becomes waste when a *later* layer hides it: the
 * file's record must exist when that happens (the top-first merge of src/layerfs/merge.ts answers the other question,
 * which entries survive, without keeping what it skips).
 *
 * Semantics are the merge's (OCI layer spec, moby pkg/archive): a whiteout deletes a path of lower layers with all
 * below it, an opaque marker hides what lower layers hold in its directory, a non-directory replaces a lower
 * directory with all below it, a directory merges with a lower directory. A hard link names the content its target
 * holds; a content stays visible while any visible name holds it, so a hard link keeps its target's bytes from being
 * waste when the target's own name is replaced or deleted.
 *
 * Memory: one node per distinct path and one small record per stored file with content; never file bytes.
 */
import { PathTree, type TreeNode } from '../layerfs/path-tree.js';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** A file with content that a layer stores. */
export interface StoredCopy {
  layer: number;
  path: string;
  size: number;
  /** Content hash (empty for files of size 0, which are never counted as duplicates). */
  hash: string;
  /** Visible names that hold this content. */
  refs: number;
  hidden?: 'overwritten' | 'deleted';
  /** The layer that hid it. */
  hiddenBy?: number;
}

interface Version {
  layer: number;
  kind: EntryKind;
  size: number;
  copy?: StoredCopy;
}

export interface Count {
  entries: number;
  bytes: number;
}

export interface LayerTally {
  /** Entries by kind (whiteouts and opaque markers apart). */
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  others: number;
  /** Bytes of file content the layer stores (sum of tar entry sizes). */
  bytes: number;
  /** Entries at paths the layers below do not have. */
  added: Count;
  /** Entries that replace a lower entry (a directory over a lower directory merges and is not counted). */
  changed: Count;
  /** Lower entries this layer removes (whiteouts, opaque directories, non-directories over directories), each path below a removed directory counted. */
  removed: Count;
  whiteouts: number;
  opaqueDirs: number;
  /** Bytes of lower files this layer hides (overwrites or deletes), where no other visible name keeps their content. */
  hidesBytes: number;
}

export const newTally = (): LayerTally => ({
  entries: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, others: 0, bytes: 0,
  added: { entries: 0, bytes: 0 }, changed: { entries: 0, bytes: 0 }, removed: { entries: 0, bytes: 0 },
  whiteouts: 0, opaqueDirs: 0, hidesBytes: 0,
});

export class WasteFold {
  readonly tree = new PathTree<Version>();
  readonly copies: StoredCopy[] = [];
  readonly tallies: LayerTally[] = [];
  private t = -1;
  private tally = newTally();

  beginLayer(t: number): void {
    this.t = t;
    this.tally = newTally();
    this.tallies[t] = this.tally;
  }

  /**
   * An entry of the current layer. `linkTarget`: a hard link's cleaned target. Returns the record of the content it
   * stores, if any (its hash may be filled in later).
   */
  entry(path: string, kind: EntryKind, size: number, hash: string, linkTarget?: string): StoredCopy | undefined {
    const t = this.t;
    const tally = this.tally;
    tally.entries++;
    if (kind === 'file' || kind === 'other') tally.files++;
    else if (kind === 'dir') tally.dirs++;
    else if (kind === 'symlink') tally.symlinks++;
    else if (kind === 'hardlink') tally.hardlinks++;
    tally.bytes += size;
    if (path === '') {
      // The root directory: metadata only.
      return undefined;
    }
    // A lower non-directory where this entry needs a directory: the entry's parent replaces it.
    const node = this.tree.ensure(path, (a) => {
      if (a.v && a.v.kind !== 'dir' && a.v.layer < t) {
        this.hide(a.v, 'overwritten');
        this.count(tally.removed, a.v);
        a.v = undefined;
      }
    });
    const old = node.v;
    const isDir = kind === 'dir';
    if (old) {
      if (!(isDir && old.kind === 'dir')) {
        this.hide(old, 'overwritten');
        tally.changed.entries++;
        tally.changed.bytes += size;
      }
      // A non-directory over a directory: everything below it goes, deleted rather than overwritten (nothing is
      // written at those paths): lower layers' entries, and this layer's own, which a tar extractor would also lose.
      if (!isDir && node.kids) for (const k of [...node.kids.values()]) this.removeBelow(k, Infinity, 'deleted');
    } else {
      if (!isDir && node.kids) for (const k of [...node.kids.values()]) this.removeBelow(k, Infinity, 'deleted');
      tally.added.entries++;
      tally.added.bytes += size;
    }
    const v: Version = { layer: t, kind, size };
    if (kind === 'hardlink' && linkTarget !== undefined) {
      const target = this.tree.get(linkTarget)?.v?.copy;
      if (target) {
        target.refs++;
        v.copy = target;
      }
    } else if ((kind === 'file' || kind === 'other') && size > 0) {
      const copy: StoredCopy = { layer: t, path, size, hash, refs: 1 };
      this.copies.push(copy);
      v.copy = copy;
    }
    node.v = v;
    return kind === 'hardlink' ? undefined : v.copy;
  }

  /** `.wh.NAME`: deletes `target` of lower layers with all below it. */
  whiteout(target: string): void {
    this.tally.whiteouts++;
    const node = this.tree.get(target);
    if (node && node !== this.tree.root) this.removeBelow(node, this.t, 'deleted');
  }

  /** `.wh..wh..opq` in `dir`: hides what lower layers hold in it. */
  opaque(dir: string): void {
    this.tally.opaqueDirs++;
    const node = this.tree.get(dir);
    if (node?.kids) for (const k of [...node.kids.values()]) this.removeBelow(k, this.t, 'deleted');
  }

  /** Removes every version below layer `below` in the subtree of `n` (Infinity: every version); prunes empty nodes. */
  private removeBelow(n: TreeNode<Version>, below: number, how: 'overwritten' | 'deleted'): void {
    for (const c of this.tree.walk(n)) {
      if (c.v && c.v.layer < below) {
        this.hide(c.v, how);
        this.count(this.tally.removed, c.v);
        c.v = undefined;
      }
      if (!c.v && !c.kids) this.tree.detach(c);
    }
  }

  private count(c: Count, v: Version): void {
    c.entries++;
    c.bytes += v.kind === 'hardlink' ? 0 : v.size;
  }

  private hide(v: Version, how: 'overwritten' | 'deleted'): void {
    const copy = v.copy;
    if (!copy) return;
    if (--copy.refs > 0) return;
    copy.hidden = how;
    copy.hiddenBy = this.t;
    this.tally.hidesBytes += copy.size;
  }
}

/** Per layer: bytes of its files that are not needed at the top, by why. */
export interface Reclaimable {
  /** Replaced by an entry of a later layer. */
  overwritten: number;
  /** Deleted by a later layer (whiteout, opaque directory, a non-directory over a parent directory). */
  deleted: number;
  /** Visible, but the same content is stored, visible, in a lower layer. */
  duplicate: number;
  total: number;
}

export interface WasteFile {
  path: string;
  layer: number;
  size: number;
  why: 'overwritten' | 'deleted' | 'duplicate';
  /** The layer that hid it, or (duplicates) the lowest layer that holds the same content. */
  by: number;
}

/** Sorts out every stored copy at the end: hidden ones by why, visible ones that repeat lower content. */
export function reclaimable(fold: WasteFold, layers: number, topN: number): { perLayer: Reclaimable[]; files: WasteFile[] } {
  const perLayer: Reclaimable[] = Array.from({ length: layers }, () => ({ overwritten: 0, deleted: 0, duplicate: 0, total: 0 }));
  const lowest = new Map<string, number>();
  for (const c of fold.copies) {
    if (c.hidden) continue;
    const l = lowest.get(c.hash);
    if (l === undefined || c.layer < l) lowest.set(c.hash, c.layer);
  }
  const top = new TopN<WasteFile>(topN, (f) => f.size);
  for (const c of fold.copies) {
    const r = perLayer[c.layer]!;
    if (c.hidden) {
      r[c.hidden] += c.size;
      top.add({ path: '/' + c.path, layer: c.layer, size: c.size, why: c.hidden, by: c.hiddenBy! });
    } else {
      const l = lowest.get(c.hash)!;
      if (l < c.layer) {
        r.duplicate += c.size;
        top.add({ path: '/' + c.path, layer: c.layer, size: c.size, why: 'duplicate', by: l });
      }
    }
  }
  for (const r of perLayer) r.total = r.overwritten + r.deleted + r.duplicate;
  return { perLayer, files: top.sorted() };
}

/** The n largest items seen, by a key; memory bounded by n. */
export class TopN<T> {
  private items: T[] = [];
  constructor(private readonly n: number, private readonly key: (x: T) => number) {}

  add(x: T): void {
    if (this.n <= 0) return;
    const k = this.key(x);
    if (this.items.length >= this.n && k <= this.key(this.items[this.items.length - 1]!)) return;
    let i = this.items.length;
    while (i > 0 && this.key(this.items[i - 1]!) < k) i--;
    this.items.splice(i, 0, x);
    if (this.items.length > this.n) this.items.pop();
  }

  sorted(): T[] {
    return this.items;
  }
}
