/**
 * What the layers above the current one already decided, for a merge that walks the layers top first: which paths
 * they claimed (so a lower entry at the same path is shadowed) and below which paths they cut lower layers off
 * (a file, symlink or other non-directory replacing a directory, a whiteout, an opaque marker).
 *
 * Layers are numbered from the top: 0 is the top layer. One small record per distinct path: memory grows with the
 * number of paths, never with file sizes.
 */
import { ROOT, someAncestor } from './names.js';

export const enum ClaimKind {
  /** No entry claimed the path itself (only an opaque marker cut below it). */
  None = 0,
  Dir = 1,
  NonDir = 2,
  Whiteout = 3,
}

/** Layer numbers are packed with the kind into one small integer per path (no object per path). */
const NONE = 0x3fff;
/** The most layers a merge takes (docker's limit is 127). */
export const MAX_LAYERS = NONE - 1;

const pack = (t: number, kind: ClaimKind, cut: number): number => kind | (t << 2) | (cut << 16);
const tOf = (v: number): number => (v >> 2) & NONE;
const cutOf = (v: number): number => (v >> 16) & NONE;
const inf = (n: number): number => (n === NONE ? Infinity : n);

export class MergedView {
  /** Per path: the highest layer with an entry there, its kind, and the highest layer that cut off what is below. */
  private readonly claims = new Map<string, number>();

  /** Whether an entry at `path` in layer `t` is shadowed by the layers above it. */
  hidden(path: string, t: number): boolean {
    const c = this.claims.get(path);
    if (c !== undefined && tOf(c) < t) return true;
    return this.cutAbove(path, t);
  }

  /** Whether a strict ancestor of `path` (the root included) was cut off by a layer above `t`. */
  cutAbove(path: string, t: number): boolean {
    if (path !== ROOT) {
      const root = this.claims.get(ROOT);
      if (root !== undefined && cutOf(root) < t) return true;
    }
    return someAncestor(path, (a) => {
      const c = this.claims.get(a);
      return c !== undefined && cutOf(c) < t;
    });
  }

  /** The highest claim on `path`: its layer (Infinity: none, only a cut), kind, and the highest cut (Infinity: none). */
  claimOf(path: string): { t: number; kind: ClaimKind; cut: number } | undefined {
    const c = this.claims.get(path);
    return c === undefined ? undefined : { t: inf(tOf(c)), kind: (c & 3) as ClaimKind, cut: inf(cutOf(c)) };
  }

  /** Whether the highest claim on `path` is a non-directory of layer `t`. */
  nonDirAt(path: string, t: number): boolean {
    const c = this.claims.get(path);
    return c !== undefined && tOf(c) === t && (c & 3) === ClaimKind.NonDir;
  }

  /** Records an entry (or whiteout) at `path` in layer `t`; `cuts` when it hides what lower layers hold below it. */
  claim(path: string, t: number, kind: ClaimKind, cuts: boolean): void {
    const c = this.claims.get(path);
    if (c === undefined) {
      this.claims.set(path, pack(t, kind, cuts ? t : NONE));
      return;
    }
    // Layers come top first: the first claim and the first cut are the highest.
    const ct = tOf(c);
    const cc = cutOf(c);
    this.claims.set(path, pack(ct === NONE ? t : ct, ct === NONE ? kind : ((c & 3) as ClaimKind), cuts && cc === NONE ? t : cc));
  }

  /** Records an opaque marker: lower layers' content of `dir` is hidden, the directory itself is not. */
  cutBelow(dir: string, t: number): void {
    const c = this.claims.get(dir);
    if (c === undefined) this.claims.set(dir, pack(NONE, ClaimKind.None, t));
    else if (cutOf(c) === NONE) this.claims.set(dir, pack(tOf(c), (c & 3) as ClaimKind, t));
  }

  get size(): number {
    return this.claims.size;
  }
}
