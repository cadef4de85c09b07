/**
 * Hard links across a top-first merge. A hard link names an inode: the content its target path had when the link's
 * layer was applied, which may come from a lower layer and may later be replaced or removed (go-containerregistry's
 * crane export gets this wrong, its issue #2002). An Inode gathers the visible names that share one content; the
 * content is written once, under the first name that can hold it, and the other names become hard links to it.
 */
import type { TarHeader } from '../tar/header.js';

/** A visible hard-link entry waiting for its content to be written. */
export interface LinkName {
  /** The entry's name as in its layer (the output keeps it). */
  name: string;
  header: TarHeader;
  /** The raw header blocks, copied as they are when the link still points at the same name. */
  raw?: Buffer;
  /** Names the link's layer in messages. */
  where: string;
}

export class Inode {
  /** Set when merged into another inode (union-find). */
  forward?: Inode;
  /** The output name that holds the content, once written. */
  written?: string;
  /** Visible names to write as links once the content is written. */
  waiting: LinkName[] = [];
  /** The entry's position in its layer, once it went by without being written (a re-read can fetch it). */
  ordinal?: number;
  /** The cleaned path of that entry. */
  path?: string;

  get passed(): boolean {
    return this.ordinal !== undefined;
  }
}

export function find(i: Inode): Inode {
  while (i.forward) i = i.forward;
  return i;
}

/** A hard link whose target lies in a lower layer: resolved by the first entry at `path` below layer `fromT`. */
export interface Placeholder {
  path: string;
  fromT: number;
  inode: Inode;
  /** The link's name and layer, for messages. */
  link: string;
  where: string;
  /** The original link target as written in the layer. */
  linkname: string;
  /** The highest layer below `fromT` that removed the target (a whiteout, an opaque or replaced parent). */
  cutAt?: number;
}

/** Placeholders by target path, with a count of targets below each directory so a cut can skip quickly. */
export class PendingLinks {
  private readonly byPath = new Map<string, Placeholder[]>();
  private readonly under = new Map<string, number>();

  get size(): number {
    return this.byPath.size;
  }

  add(p: Placeholder): void {
    const list = this.byPath.get(p.path);
    if (list) list.push(p);
    else {
      this.byPath.set(p.path, [p]);
      for (let i = p.path.lastIndexOf('/'); i > 0; i = p.path.lastIndexOf('/', i - 1)) {
        const a = p.path.slice(0, i);
        this.under.set(a, (this.under.get(a) ?? 0) + 1);
      }
    }
  }

  /** Removes and returns the placeholders for `path` registered above layer `t`. */
  take(path: string, t: number): Placeholder[] {
    const list = this.byPath.get(path);
    if (!list) return [];
    const taken = list.filter((p) => p.fromT < t);
    if (!taken.length) return [];
    const rest = list.filter((p) => p.fromT >= t);
    if (rest.length) this.byPath.set(path, rest);
    else this.remove(path);
    return taken;
  }

  private remove(path: string): void {
    this.byPath.delete(path);
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const a = path.slice(0, i);
      const n = (this.under.get(a) ?? 1) - 1;
      if (n <= 0) this.under.delete(a);
      else this.under.set(a, n);
    }
  }

  /** Layer `t` removed `path` (with `self`) or what lower layers hold below it: targets there no longer exist above. */
  cut(path: string, t: number, self: boolean): void {
    if (this.byPath.size === 0) return;
    const mark = (list: Placeholder[] | undefined) => {
      for (const p of list ?? []) if (p.fromT < t && p.cutAt === undefined) p.cutAt = t;
    };
    if (self) mark(this.byPath.get(path));
    if (path === '') {
      for (const list of this.byPath.values()) mark(list);
      return;
    }
    if (!this.under.has(path)) return;
    const prefix = path + '/';
    for (const [k, list] of this.byPath) if (k.startsWith(prefix)) mark(list);
  }

  all(): Placeholder[] {
    return [...this.byPath.values()].flat();
  }
}
