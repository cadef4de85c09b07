/**
 * Paths inside archives are untrusted. These helpers normalise them and refuse any that would leave the archive.
 */
import { StowageError } from '../errors.js';

/**
 * Normalises a path as found in a tar header or a manifest: drops leading "./" and "/", empty and "." segments and a
 * trailing slash. Keeps ".." segments (the caller decides); returns "" for the root.
 */
export function normalizeEntryName(name: string): string {
  return name.split('/').filter((s) => s !== '' && s !== '.').join('/');
}

/** Resolves ".." segments; returns undefined when the path climbs above the root. */
export function resolveInside(path: string): string | undefined {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

/**
 * Validates a path named by a manifest (manifest.json `Config` and `Layers`): relative, no "..", no NUL.
 * `what` says where the path came from.
 */
export function safeArchivePath(p: unknown, what: string): string {
  if (typeof p !== 'string' || p === '') throw new StowageError(`${what}: path is missing or not a string`);
  if (p.includes('\0')) throw new StowageError(`${what}: path contains a NUL byte`);
  if (p.startsWith('/')) throw new StowageError(`${what}: absolute path ${JSON.stringify(p)} is not allowed in an archive`);
  if (p.split('/').includes('..')) throw new StowageError(`${what}: path ${JSON.stringify(p)} climbs out with ".."`);
  const n = normalizeEntryName(p);
  if (n === '') throw new StowageError(`${what}: path ${JSON.stringify(p)} names the archive root`);
  return n;
}

/** The directory part of a normalised path ("" at the root). */
export function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i === -1 ? '' : p.slice(0, i);
}
