/**
 * Entry names as a layer's filesystem sees them, and the whiteout conventions layers use to delete lower files.
 *
 * Layer entries are untrusted. A name is cleaned the way a tar extractor would see it (`./a//b/` is `a/b`), and a
 * name that could reach outside the root (an absolute name, a `..` component) is refused rather than reinterpreted:
 * docker would join an absolute name under the root, but a rootfs tar whose names do not say what they mean is not
 * something stowage passes on silently.
 */
import { StowageError } from '../errors.js';

/** The root directory's cleaned name (entries `./`, `.`). */
export const ROOT = '';

/** AUFS's whiteout prefix, which the OCI layer spec and every engine use: `.wh.NAME` deletes NAME below. */
export const WHITEOUT_PREFIX = '.wh.';
/** `.wh..wh.`: AUFS metadata (`.wh..wh.plnk`, `.wh..wh.aufs`, ...), not a deletion. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';
/** In a directory, hides everything lower layers hold in it (the directory itself stays). */
export const OPAQUE_MARKER = '.wh..wh..opq';

/**
 * Cleans an entry name: drops `.` components, repeated and trailing slashes. Throws on an absolute name or a `..`
 * component. Returns ROOT for the root directory.
 */
export function cleanName(name: string, what: string, field = 'entry'): string {
  // Fast path (most names): strip a leading "./" and trailing slashes; keep the string if nothing else needs cleaning.
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  let end = n.length;
  while (end > 0 && n.charCodeAt(end - 1) === 0x2f) end--;
  if (end !== n.length) n = n.slice(0, end);
  if (n !== '' && n[0] !== '/' && !n.includes('//') && !n.includes('/./') && !n.includes('/../') && !n.endsWith('/.') &&
      !n.endsWith('/..') && n !== '.' && n !== '..' && !n.startsWith('../')) return n;
  return cleanSlow(name, what, field);
}

function cleanSlow(name: string, what: string, field: string): string {
  if (name.startsWith('/')) throw new StowageError(`${what}: ${field} ${JSON.stringify(name)} is an absolute name; refusing it`);
  const parts: string[] = [];
  let dotdot = false;
  let depth = 0;
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      dotdot = true;
      if (--depth < 0) throw new StowageError(`${what}: ${field} ${JSON.stringify(name)} climbs out of the root with ".."; refusing it`);
      continue;
    }
    depth++;
    parts.push(p);
  }
  // docker cleans a/../b to b, but a symlink at a would make it mean something else: refused too.
  if (dotdot) throw new StowageError(`${what}: ${field} ${JSON.stringify(name)} has a ".." component; refusing it`);
  return parts.join('/');
}

/** Calls `f` with each strict ancestor of a cleaned name, nearest first, the root excluded; stops when f returns true. */
export function someAncestor(path: string, f: (ancestor: string) => boolean): boolean {
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    if (f(path.slice(0, i))) return true;
  }
  return false;
}

export type Special =
  /** `DIR/.wh.NAME`: deletes DIR/NAME (and all below it) of lower layers. */
  | { kind: 'whiteout'; target: string }
  /** `DIR/.wh..wh..opq`: DIR keeps only what this layer and the ones above put in it. */
  | { kind: 'opaque'; dir: string }
  /** `.wh..wh.plnk/...` and the like at the root: AUFS bookkeeping that docker skips. */
  | { kind: 'meta' };

/** Tells whiteouts and AUFS metadata from ordinary entries, by the cleaned name (as docker does, whatever the type). */
export function classify(path: string, what: string): Special | undefined {
  const slash = path.lastIndexOf('/');
  const base = slash === -1 ? path : path.slice(slash + 1);
  const dir = slash === -1 ? ROOT : path.slice(0, slash);
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  // docker skips names that start with .wh..wh. at the root (and everything under them).
  if (path.startsWith(WHITEOUT_META_PREFIX)) return { kind: 'meta' };
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') {
    throw new StowageError(`${what}: whiteout ${JSON.stringify(path)} names no file below its directory; refusing it`);
  }
  return { kind: 'whiteout', target: dir === ROOT ? name : `${dir}/${name}` };
}
