/**
 * Listings for the filesystem tests: a tar as a filesystem (path -> type, mode, owner, link target, content hash) so
 * two exports can be compared whatever their order. Layers and images are made by test/helpers/build-layer.ts and
 * build-image.ts.
 */
import { createHash } from 'node:crypto';
import { FileByteSource } from '../../src/tar/bytesource.js';
import { readTar } from '../../src/tar/reader.js';

export interface Node {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target. */
  link?: string;
  /** sha256 of the content (hard links: their target's). */
  sha?: string;
  size?: number;
  /** Whole seconds, non-directories only. */
  mtime?: number;
  /** The other names sharing this file (hard links), sorted, when there are any. */
  group?: string[];
}

export function clean(name: string): string {
  return name.split('/').filter((p) => p !== '' && p !== '.').join('/');
}

/** Lists a tar as a filesystem; a later entry for the same path replaces an earlier one, as extraction does. */
export async function listTar(path: string, opts: { exclude?: (p: string) => boolean } = {}): Promise<Map<string, Node>> {
  const out = new Map<string, Node>();
  const links = new Map<string, string>(); // name -> the name it links to
  const src = await FileByteSource.open(path);
  try {
    for await (const e of readTar(src, { what: path, allowEmpty: true })) {
      const h = e.header;
      const p = clean(h.name);
      if (p === '' || opts.exclude?.(p)) continue;
      const n: Node = { type: h.type === 'hardlink' ? 'file' : h.type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid };
      if (h.type === 'symlink') n.link = h.linkname;
      if (h.type !== 'dir') n.mtime = Math.floor(h.mtime);
      if (h.type === 'file') {
        const hash = createHash('sha256');
        let size = 0;
        for await (const c of e.body()) {
          hash.update(c);
          size += c.length;
        }
        n.sha = hash.digest('hex');
        n.size = size;
      }
      if (h.type === 'hardlink') {
        const t = out.get(clean(h.linkname));
        if (!t) throw new Error(`${path}: hard link ${h.name} to ${h.linkname}, not earlier in the tar`);
        Object.assign(n, { type: t.type, sha: t.sha, size: t.size, link: t.link });
        links.set(p, clean(h.linkname));
      }
      out.set(p, n);
    }
  } finally {
    await src.close();
  }
  // Hard-link groups: every name with the names it shares content with.
  const root = (p: string): string => (links.has(p) ? root(links.get(p)!) : p);
  const groups = new Map<string, string[]>();
  for (const p of links.keys()) {
    const r = root(p);
    const g = groups.get(r) ?? [r];
    g.push(p);
    groups.set(r, g);
  }
  for (const g of groups.values()) for (const p of g) if (out.has(p)) out.get(p)!.group = [...g].sort();
  return out;
}

/** The differences between two listings, one line each (empty when they agree). */
export function compareListings(a: Map<string, Node>, b: Map<string, Node>, names: [string, string], opts: { ignore?: (keyof Node)[] } = {}): string[] {
  const diffs: string[] = [];
  const ignore = new Set(opts.ignore ?? []);
  for (const [p, n] of a) {
    const m = b.get(p);
    if (!m) {
      diffs.push(`${p}: only in ${names[0]}`);
      continue;
    }
    for (const k of ['type', 'mode', 'uid', 'gid', 'link', 'sha', 'size', 'mtime', 'group'] as (keyof Node)[]) {
      if (ignore.has(k)) continue;
      const x = JSON.stringify(n[k]);
      const y = JSON.stringify(m[k]);
      if (x !== y) diffs.push(`${p}: ${k} ${x} in ${names[0]}, ${y} in ${names[1]}`);
    }
  }
  for (const p of b.keys()) if (!a.has(p)) diffs.push(`${p}: only in ${names[1]}`);
  return diffs;
}
