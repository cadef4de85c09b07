/**
 * A filesystem as a tree of names, for analyses that fold layers bottom first (layers, the waste they leave): a
 * whiteout or an opaque directory removes a whole subtree, which a flat map of paths cannot find without scanning
 * every path. One node per distinct path: memory grows with the number of paths, never with file sizes.
 */

export class TreeNode<V> {
  /** Children by name, created on the first child. */
  kids?: Map<string, TreeNode<V>>;
  /** What the analysis keeps for this path (undefined: the path exists only because something lies below it). */
  v?: V;
  constructor(readonly name: string, readonly parent: TreeNode<V> | undefined) {}
}

export class PathTree<V> {
  readonly root = new TreeNode<V>('', undefined);

  /** The node at a cleaned path ('' is the root), if any. */
  get(path: string): TreeNode<V> | undefined {
    if (path === '') return this.root;
    let n: TreeNode<V> | undefined = this.root;
    let start = 0;
    while (n) {
      const slash = path.indexOf('/', start);
      const name = slash === -1 ? path.slice(start) : path.slice(start, slash);
      n = n.kids?.get(name);
      if (slash === -1) return n;
      start = slash + 1;
    }
    return undefined;
  }

  /**
   * The node at a cleaned path, created with its missing ancestors. `onAncestor` sees every strict ancestor on the
   * way down (the root excluded), so a caller can turn a non-directory into the directory an entry needs.
   */
  ensure(path: string, onAncestor?: (n: TreeNode<V>) => void): TreeNode<V> {
    if (path === '') return this.root;
    let n = this.root;
    let start = 0;
    for (;;) {
      const slash = path.indexOf('/', start);
      const name = slash === -1 ? path.slice(start) : path.slice(start, slash);
      let k = n.kids?.get(name);
      if (!k) {
        k = new TreeNode<V>(name, n);
        (n.kids ??= new Map()).set(name, k);
      }
      if (slash === -1) return k;
      if (onAncestor) onAncestor(k);
      n = k;
      start = slash + 1;
    }
  }

  /** Detaches a node (and everything below it) from its parent. */
  detach(n: TreeNode<V>): void {
    const p = n.parent;
    if (!p?.kids) return;
    p.kids.delete(n.name);
    if (p.kids.size === 0) p.kids = undefined;
  }

  /** Every node below `n` and `n` itself, children before their parent (so a visitor may detach what it visits). */
  *walk(n: TreeNode<V>): Generator<TreeNode<V>> {
    if (n.kids) for (const k of [...n.kids.values()]) yield* this.walk(k);
    yield n;
  }

  pathOf(n: TreeNode<V>): string {
    const parts: string[] = [];
    for (let c: TreeNode<V> | undefined = n; c && c.parent; c = c.parent) parts.push(c.name);
    return parts.reverse().join('/');
  }
}
