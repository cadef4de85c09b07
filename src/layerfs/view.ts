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

interface Claim {
  /** The highest layer with an entry (or whiteout) at this path; Infinity when none. */
  t: number;
  kind: ClaimKind;
  /** The highest layer that cut off what lower layers hold below this path; Infinity when none. */
  cut: number;
}

export class MergedView {
  private readonly claims = new Map<string, Claim>();

  /** Whether an entry at `path` in layer `t` is shadowed by the layers above it. */
  hidden(path: string, t: number): boolean {
    const c = this.claims.get(path);
    if (c && c.t < t) return true;
    return this.cutAbove(path, t);
  }

  /** Whether a strict ancestor of `path` (the root included) was cut off by a layer above `t`. */
  cutAbove(path: string, t: number): boolean {
    if (path !== ROOT) {
      const root = this.claims.get(ROOT);
      if (root && root.cut < t) return true;
    }
    return someAncestor(path, (a) => {
      const c = this.claims.get(a);
      return c !== undefined && c.cut < t;
    });
  }

  /** The kind of the highest claim on `path`, and the layer that made it. */
  claimOf(path: string): { t: number; kind: ClaimKind; cut: number } | undefined {
    return this.claims.get(path);
  }

  /** Records an entry (or whiteout) at `path` in layer `t`; `cuts` when it hides what lower layers hold below it. */
  claim(path: string, t: number, kind: ClaimKind, cuts: boolean): void {
    const c = this.claims.get(path);
    if (!c) {
      this.claims.set(path, { t, kind, cut: cuts ? t : Infinity });
      return;
    }
    if (c.t === Infinity) {
      c.t = t;
      c.kind = kind;
    }
    if (cuts && c.cut === Infinity) c.cut = t;
  }

  /** Records an opaque marker: lower layers' content of `dir` is hidden, the directory itself is not. */
  cutBelow(dir: string, t: number): void {
    const c = this.claims.get(dir);
    if (!c) this.claims.set(dir, { t: Infinity, kind: ClaimKind.None, cut: t });
    else if (c.cut === Infinity) c.cut = t;
  }

  get size(): number {
    return this.claims.size;
  }
}
