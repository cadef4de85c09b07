/**
 * Merges an image's layers into one tar: the filesystem a container of the image starts with (export, squash of all
 * layers), or one layer that stands for several on top of a base (squash --above).
 *
 * One streaming pass over the layers, top layer first: an entry is written when no layer above shadows it, so no
 * file is ever held or written twice, and memory grows with the number of paths, never with file sizes. Entries
 * that do not change are copied as raw header bytes (modes, owners, times, xattrs, PAX records exactly as they were).
 * The order is deterministic: layers top first, each in its own order; then links whose content had to be fetched
 * again, then directories no layer had an entry for.
 *
 * Semantics are the OCI layer spec's and docker's (moby pkg/archive): `.wh.NAME` deletes NAME of lower layers,
 * `.wh..wh..opq` hides what lower layers hold in its directory, a non-directory replaces a directory with all below
 * it, a directory merges with a lower directory; whiteouts apply to lower layers only. A hard link is the content
 * its target had when the link's layer was applied, even when a later layer replaces or removes the target.
 *
 * The one case the single pass cannot serve from the stream: a hard link to a file earlier in its own layer that a
 * higher layer replaced (so it went by unwritten). That layer is then read a second time up to that file, once for
 * all such links of the layer.
 */
import { StowageError } from '../errors.js';
import type { ByteSource } from '../tar/bytesource.js';
import { BLOCK, type TarHeader } from '../tar/header.js';
import { readTar, type TarEntry } from '../tar/reader.js';
import type { TarWriter } from '../tar/writer.js';
import { hasGlobalHeader, reencode } from './headers.js';
import { Inode, PendingLinks, find, type LinkName, type Placeholder } from './inodes.js';
import { OPAQUE_MARKER, ROOT, classify, cleanName, someAncestor } from './names.js';
import { ClaimKind, MAX_LAYERS, MergedView } from './view.js';

export interface MergeLayer {
  /** Names the layer in messages ("app.tar: layer 3"). */
  label: string;
  /** Opens the layer's uncompressed tar. Called once, and again only for the rare re-read described above. */
  open(): Promise<ByteSource>;
}

export interface MergeOptions {
  /**
   * The merged layers sit on a base (squash --above): keep the whiteouts and opaque markers that hide base files,
   * and add an opaque marker where a directory of the result must not show the base's content.
   */
  keepWhiteouts?: boolean;
  /** Write entries for parent directories no layer has (a whole filesystem: export, squash of every layer). */
  impliedDirs?: boolean;
  /** Oddities that are not errors. */
  warn?: (message: string) => void;
}

export interface MergeStats {
  /** Entries written, by kind. */
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Devices and FIFOs. */
  others: number;
  /** Non-directory entries of lower layers that a higher layer replaced or deleted. */
  shadowed: number;
  /** Whiteout files and opaque markers read (applied). */
  whiteouts: number;
  opaqueDirs: number;
  /** Whiteouts and opaque markers written (squash --above). */
  whiteoutsKept: number;
  /** Hard-link names that received their content because the original name was replaced or removed. */
  linksMaterialized: number;
  /** Layers read a second time (see above). */
  rereads: number;
  /** Directories written because an entry needed them but no layer had them. */
  impliedDirs: number;
  /** AUFS metadata entries (.wh..wh.*) skipped, as docker does. */
  dropped: number;
  /** Distinct paths seen. */
  paths: number;
}

/** Types whose data area is always empty (as in Go's archive/tar and stowage's reader). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

function dataSize(h: TarHeader): number {
  return HEADER_ONLY.has(h.typeflag) ? 0 : h.size;
}

function isSparse(h: TarHeader): boolean {
  return h.typeflag === 'S' || Object.keys(h.pax ?? {}).some((k) => k.startsWith('GNU.sparse.'));
}

function kindWord(h: TarHeader): string {
  return h.type === 'file' ? 'regular file' : h.type === 'char' ? 'character device' : h.type === 'block' ? 'block device' : h.type;
}

/** Merges `layers` (bottom first, as in the image) into `out`; does not finish the tar. */
export async function mergeLayers(layers: MergeLayer[], out: TarWriter, opts: MergeOptions = {}): Promise<MergeStats> {
  if (layers.length > MAX_LAYERS) throw new StowageError(`${layers.length} layers: more than the ${MAX_LAYERS} a merge takes`);
  const m = new Merger(out, opts);
  for (let t = 0; t < layers.length; t++) await m.layer(layers[layers.length - 1 - t]!, t);
  await m.finish();
  return m.stats;
}

/** A directory entry in `cur` (hard links to directories are refused). */
const DIR = new Inode();

/**
 * What the current layer's map keeps per entry: an Inode (a link, or an entry links point to), the name a
 * written entry has, or the position of one that went by unwritten.
 */
type Slot = Inode | string | number;

class Merger {
  readonly stats: MergeStats = {
    files: 0, dirs: 0, symlinks: 0, hardlinks: 0, others: 0, shadowed: 0, whiteouts: 0, opaqueDirs: 0, whiteoutsKept: 0,
    linksMaterialized: 0, rereads: 0, impliedDirs: 0, dropped: 0, paths: 0,
  };
  private readonly view = new MergedView();
  private readonly pending = new PendingLinks();
  /** Strict ancestors of every entry written: a non-directory may not be written at one of these paths. */
  private readonly parents = new Set<string>();
  /** Directories written (for implied directories). */
  private readonly dirs = new Set<string>();
  /** Entries of the current layer by path, for hard links within the layer. */
  private cur = new Map<string, Slot>();
  /** Inodes of the current layer whose content went by unwritten and that links now need. */
  private rereads = new Set<Inode>();
  private warnedDuplicate = false;
  /** The label of the layer being read, for messages. */
  private where = '';

  constructor(private readonly out: TarWriter, private readonly opts: MergeOptions) {}

  async layer(L: MergeLayer, t: number): Promise<void> {
    this.cur = new Map();
    this.rereads = new Set();
    this.warnedDuplicate = false;
    this.where = L.label;
    const src = await L.open();
    try {
      let global = false;
      let ordinal = -1;
      for await (const e of readTar(src, { what: L.label, allowEmpty: true })) {
        ordinal++;
        if (!global && e.raw.length > BLOCK && hasGlobalHeader(e.raw)) global = true;
        await this.entry(L, e, t, ordinal, global);
      }
    } finally {
      await src.close();
    }
    if (this.rereads.size) await this.reread(L);
    this.cur = new Map();
  }

  private async entry(L: MergeLayer, e: TarEntry, t: number, ordinal: number, global: boolean): Promise<void> {
    const h = e.header;
    const what = L.label;
    const path = cleanName(h.name, what);
    if (h.type === 'other' && !isSparse(h)) {
      throw new StowageError(`${what}: ${JSON.stringify(h.name)} has tar type ${JSON.stringify(h.typeflag)}, which docker does not extract; refusing it`);
    }
    const special = classify(path, what);
    if (special?.kind === 'meta') {
      this.stats.dropped++;
      return;
    }
    if (special?.kind === 'whiteout') return this.whiteout(e, special.target, t, global);
    if (special?.kind === 'opaque') return this.opaque(e, special.dir, t, global);
    if (path === ROOT && h.type !== 'dir') throw new StowageError(`${what}: the root entry ${JSON.stringify(h.name)} is a ${kindWord(h)}, not a directory`);

    const isDir = h.type === 'dir';
    const before = this.view.claimOf(path);
    const hidden = this.view.hidden(path, t);
    if (!before || before.t === Infinity) this.stats.paths++;
    if (!hidden) {
      // Under a non-directory of this same layer (a symlink, a file): what docker makes of it depends on its driver.
      someAncestor(path, (a) => {
        if (this.view.nonDirAt(a, t)) {
          throw new StowageError(`${what}: ${JSON.stringify(h.name)} lies under ${JSON.stringify(a)}, which this layer makes a non-directory (what docker makes of that depends on its storage driver); refusing it`);
        }
        return false;
      });
    }
    if (!isDir && this.cur.has(path) && !this.warnedDuplicate) {
      this.warnedDuplicate = true;
      this.opts.warn?.(`${what}: ${JSON.stringify(h.name)} appears twice; both are kept in order (the last one wins when extracted, as with docker)`);
    }
    // A non-directory replacing a directory the layers above merge into: on a base, that directory must be opaque.
    if (!isDir && hidden) await this.opaqueForReplacedDir(path, before, t, h);
    this.view.claim(path, t, isDir ? ClaimKind.Dir : ClaimKind.NonDir, !isDir);
    if (!isDir) this.pending.cut(path, t, false);

    if (isDir) {
      this.cur.set(path, DIR);
      for (const p of this.pending.take(path, t)) {
        if (p.cutAt === undefined || p.cutAt >= t) throw new StowageError(`${p.where}: hard link ${JSON.stringify(p.link)} points to ${JSON.stringify(p.linkname)}, a directory; refusing it`);
      }
      if (!hidden) await this.emit(e, path, global);
      // A lower directory under a higher one merges with it (only its metadata is shadowed): not counted.
      else if (!before || before.t >= t || before.kind !== ClaimKind.Dir) this.stats.shadowed++;
      return;
    }
    if (h.type === 'hardlink') return this.hardlink(L, e, path, t, hidden, global);

    // Most entries are no link's target: they cost a name or a number in `cur`, an Inode only when links need one.
    const taken = this.pending.take(path, t);
    const inode = taken.length ? this.adopt(new Inode(), taken, t) : undefined;
    if (!hidden) {
      await this.emit(e, path, global);
      if (!inode) {
        this.cur.set(path, h.name);
        return;
      }
      inode.written = h.name;
      this.cur.set(path, inode);
      await this.flush(inode);
      return;
    }
    this.stats.shadowed++;
    if (inode?.waiting.length) {
      this.cur.set(path, inode);
      await this.materialize(inode, e, what);
    } else if (inode) {
      inode.ordinal = ordinal;
      inode.path = path;
      this.cur.set(path, inode);
    } else {
      this.cur.set(path, ordinal);
    }
  }

  /** The Inode of an earlier entry of this layer, made from what `cur` holds for it when it has none yet. */
  private inodeOf(path: string, slot: Slot): Inode {
    if (slot instanceof Inode) return find(slot);
    const inode = new Inode();
    if (typeof slot === 'string') inode.written = slot;
    else {
      inode.ordinal = slot;
      inode.path = path;
    }
    this.cur.set(path, inode);
    return inode;
  }

  /** Gives `inode` the links of higher layers that point to its path, checking that the path still existed for them. */
  private adopt(inode: Inode, taken: Placeholder[], t: number): Inode {
    for (const p of taken) {
      if (p.cutAt !== undefined && p.cutAt < t) {
        throw new StowageError(`${p.where}: hard link ${JSON.stringify(p.link)} points to ${JSON.stringify(p.linkname)}, which a layer below it removed; refusing it`);
      }
      this.join(find(p.inode), inode);
    }
    return inode;
  }

  /** Merges inode `from` into `into`: one content, every name. */
  private join(from: Inode, into: Inode): void {
    if (from === into) return;
    from.forward = into;
    into.waiting.push(...from.waiting);
    from.waiting = [];
  }

  private async hardlink(L: MergeLayer, e: TarEntry, path: string, t: number, hidden: boolean, global: boolean): Promise<void> {
    const h = e.header;
    const target = cleanName(h.linkname, L.label, `hard link ${JSON.stringify(h.name)} target`);
    if (target === path) throw new StowageError(`${L.label}: hard link ${JSON.stringify(h.name)} points to itself; refusing it`);
    if (target === ROOT) throw new StowageError(`${L.label}: hard link ${JSON.stringify(h.name)} points to the root directory; refusing it`);
    let inode: Inode;
    const same = this.cur.get(target);
    if (same === DIR) throw new StowageError(`${L.label}: hard link ${JSON.stringify(h.name)} points to ${JSON.stringify(h.linkname)}, a directory; refusing it`);
    if (same !== undefined) inode = this.inodeOf(target, same);
    else {
      // Not earlier in this layer: the target is whatever the layers below hold at that path.
      inode = new Inode();
      this.pending.add({ path: target, fromT: t, inode, link: h.name, where: L.label, linkname: h.linkname });
    }
    // Links of higher layers to this link's own path share its inode.
    const taken = this.pending.take(path, t);
    if (taken.length) this.join(this.adopt(new Inode(), taken, t), inode);
    this.cur.set(path, inode);
    if (hidden) this.stats.shadowed++;
    else inode.waiting.push({ name: h.name, header: h, ...(global ? {} : { raw: e.raw }), where: L.label });
    await this.flush(inode);
  }

  /** Writes waiting names as links once the content is written, or schedules the re-read that will write it. */
  private async flush(inode: Inode): Promise<void> {
    inode = find(inode);
    if (!inode.waiting.length) return;
    if (inode.written === undefined) {
      if (inode.passed) this.rereads.add(inode);
      return;
    }
    const names = inode.waiting;
    inode.waiting = [];
    for (const w of names) await this.emitLink(w, inode.written);
  }

  /** Writes the content of an unwritten inode under its first waiting name; the others become links to it. */
  private async materialize(inode: Inode, e: TarEntry, what: string): Promise<void> {
    const h = e.header;
    if (h.type === 'other') throw new StowageError(`${what}: ${JSON.stringify(h.name)} is a sparse file that hard links need under another name; not supported`, { code: 'unsupported' });
    const first = inode.waiting.shift()!;
    const path = cleanName(first.name, first.where);
    this.noteWritten(path, false, first.where, first.name, h);
    await this.out.add(reencode(h, { name: outName(path, false), linkname: h.type === 'symlink' ? h.linkname : '' }), dataSize(h) ? e.body() : undefined);
    this.count(h);
    this.stats.linksMaterialized++;
    inode.written = first.name;
    await this.flush(inode);
  }

  private async emitLink(w: LinkName, target: string): Promise<void> {
    const path = cleanName(w.name, w.where);
    this.noteWritten(path, false, w.where, w.name, w.header);
    const name = outName(path, false);
    const linkname = outName(cleanName(target, w.where, 'hard link target'), false);
    if (w.raw && w.header.linkname === linkname && w.header.name === name) await this.out.addRaw(w.raw, 0, undefined, w.name);
    else await this.out.add(reencode(w.header, { name, type: 'hardlink', linkname, size: 0 }));
    this.stats.hardlinks++;
  }

  /** Writes an entry as it is (raw), or re-encoded when its layer has PAX global headers. */
  private async emit(e: TarEntry, path: string, global: boolean): Promise<void> {
    const h = e.header;
    this.noteWritten(path, h.type === 'dir', '', h.name, h);
    const size = dataSize(h);
    const body = size ? e.body() : undefined;
    const name = outName(path, h.type === 'dir');
    if (global) {
      if (h.type === 'other') throw new StowageError(`${JSON.stringify(h.name)}: a sparse file in a layer with PAX global headers; not supported`, { code: 'unsupported' });
      await this.out.add(reencode(h, { name }), body);
    } else if (h.name !== name && h.type !== 'other') {
      // One spelling in the output whatever each layer wrote (`./etc/x`, `etc//x`, `etc/`): re-encoded, PAX kept.
      await this.out.add(reencode(h, { name }), body);
    } else {
      await this.out.addRaw(e.raw, size, body, h.name);
    }
    this.count(h);
  }

  private count(h: TarHeader): void {
    if (h.type === 'dir') this.stats.dirs++;
    else if (h.type === 'file' || h.type === 'other') this.stats.files++;
    else if (h.type === 'symlink') this.stats.symlinks++;
    else if (h.type === 'hardlink') this.stats.hardlinks++;
    else this.stats.others++;
  }

  /** Bookkeeping for every entry written; refuses a non-directory where earlier entries put files below it. */
  private noteWritten(path: string, isDir: boolean, where: string, name: string, h: TarHeader): void {
    if (isDir) {
      if (this.opts.impliedDirs) this.dirs.add(path);
    } else if (this.parents.has(path)) {
      throw new StowageError(`${where || this.where}: ${JSON.stringify(name)} is a ${kindWord(h)}, but a layer above puts entries under it (what docker makes of that depends on its storage driver); refusing it`);
    }
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const a = path.slice(0, i);
      if (this.parents.has(a)) break;
      this.parents.add(a);
    }
  }

  private async whiteout(e: TarEntry, target: string, t: number, global: boolean): Promise<void> {
    this.stats.whiteouts++;
    const before = this.view.claimOf(target);
    const hidden = this.view.hidden(target, t);
    if (!before || before.t === Infinity) this.stats.paths++;
    if (this.opts.keepWhiteouts) {
      const path = cleanName(e.header.name, '');
      if (!hidden) {
        await this.emitSpecial(e, path, global);
      } else {
        await this.opaqueForReplacedDir(target, before, t, e.header);
      }
    }
    this.view.claim(target, t, ClaimKind.Whiteout, true);
    this.pending.cut(target, t, true);
  }

  private async opaque(e: TarEntry, dir: string, t: number, global: boolean): Promise<void> {
    this.stats.opaqueDirs++;
    if (this.opts.keepWhiteouts) {
      const c = this.view.claimOf(dir);
      const dirGone = this.view.cutAbove(dir, t) || (c !== undefined && c.t < t && c.kind !== ClaimKind.Dir);
      const alreadyOpaque = c !== undefined && c.cut < t;
      if (!dirGone && !alreadyOpaque) await this.emitSpecial(e, cleanName(e.header.name, ''), global);
    }
    this.view.cutBelow(dir, t);
    this.pending.cut(dir, t, false);
  }

  /**
   * On a base (squash --above), a directory that a layer above (re)creates, where this lower layer removed or
   * replaced it, must not show the base's content below it: the merged layer marks it opaque.
   */
  private async opaqueForReplacedDir(path: string, before: ReturnType<MergedView['claimOf']>, t: number, template: TarHeader): Promise<void> {
    if (!this.opts.keepWhiteouts || !before) return;
    if (before.t >= t || before.kind !== ClaimKind.Dir || before.cut < t || this.view.cutAbove(path, t)) return;
    const name = path === ROOT ? OPAQUE_MARKER : `${path}/${OPAQUE_MARKER}`;
    this.noteWritten(name, false, '', name, template);
    await this.out.add({ name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: Math.max(0, Math.floor(template.mtime)) });
    this.stats.whiteoutsKept++;
  }

  private async emitSpecial(e: TarEntry, path: string, global: boolean): Promise<void> {
    const h = e.header;
    this.noteWritten(path, false, '', h.name, h);
    const size = dataSize(h);
    const body = size ? e.body() : undefined;
    const name = outName(path, false);
    if (global || (h.name !== name && h.type !== 'other')) await this.out.add(reencode(h, { name }), body);
    else await this.out.addRaw(e.raw, size, body, h.name);
    this.stats.whiteoutsKept++;
  }

  /** Reads layer `t` again to write the content of entries that went by before links in the same layer needed them. */
  private async reread(L: MergeLayer): Promise<void> {
    const wanted = new Map<number, Inode>();
    for (const inode of this.rereads) {
      if (inode.written === undefined && inode.waiting.length && inode.ordinal !== undefined) wanted.set(inode.ordinal, inode);
    }
    if (!wanted.size) return;
    this.stats.rereads++;
    const last = Math.max(...wanted.keys());
    const src = await L.open();
    try {
      let ordinal = -1;
      for await (const e of readTar(src, { what: L.label, allowEmpty: true })) {
        ordinal++;
        const inode = wanted.get(ordinal);
        if (inode) {
          if (cleanName(e.header.name, L.label) !== inode.path) throw new StowageError(`${L.label}: changed while being read`);
          await this.materialize(inode, e, L.label);
        }
        if (ordinal >= last) break;
      }
    } finally {
      await src.close();
    }
  }

  async finish(): Promise<void> {
    for (const p of this.pending.all()) {
      const inode = find(p.inode);
      // On a base, a link nobody sees (a higher layer replaced it) needs nothing from the base.
      if (this.opts.keepWhiteouts && !inode.waiting.length) continue;
      if (!this.opts.keepWhiteouts || p.cutAt !== undefined) {
        throw new StowageError(`${p.where}: hard link ${JSON.stringify(p.link)} points to ${JSON.stringify(p.linkname)}, which no layer below it has; refusing it`);
      }
      // On a base: the target is in the base. That holds only if no merged layer above the link replaced it.
      if (this.view.hidden(p.path, p.fromT)) {
        throw new StowageError(`${p.where}: hard link ${JSON.stringify(p.link)} points to ${JSON.stringify(p.linkname)} of the base, which a layer above replaces; squash more layers`);
      }
      const names = inode.waiting;
      inode.waiting = [];
      for (const w of names) await this.emitLink(w, p.linkname);
    }
    if (this.opts.impliedDirs) {
      const missing = [...this.parents].filter((p) => !this.dirs.has(p)).sort();
      for (const p of missing) {
        await this.out.add({ name: p + '/', type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0 });
        this.stats.impliedDirs++;
      }
    }
  }
}

/**
 * The one spelling every output entry gets (export, squash): the cleaned name, `/` after a directory, no `./`
 * prefix, as `docker export` writes them; the root directory, which has no other name, is `./`.
 */
export function outName(path: string, isDir: boolean): string {
  if (path === ROOT) return './';
  return isDir ? `${path}/` : path;
}
