/**
 * No command writes over one of its own inputs (`delta app-2.tar --base base.tar -o base.tar` must not replace the
 * base with the delta). Inputs are noted as they are opened; an output is refused when it is the same file as one,
 * however it is spelled: the same real path (`./x`, `../d/x`, a symlink) or the same device and inode (a hard link).
 * The check runs when an output is opened and again just before it is renamed into place, so the order in which a
 * command opens its inputs and outputs does not matter.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StowageError } from '../errors.js';

interface Noted {
  given: string;
  real: string;
  dev: number;
  ino: number;
  dir: boolean;
}

const inputs: Noted[] = [];

function identify(path: string): { real: string; dev?: number; ino?: number; dir?: boolean } {
  try {
    const st = statSync(path);
    return { real: realpathSync(path), dev: st.dev, ino: st.ino, dir: st.isDirectory() };
  } catch {
    // Not there yet: its folder's real path and its own name still say where it would land.
    try {
      return { real: join(realpathSync(dirname(resolve(path))), basename(path)) };
    } catch {
      return { real: resolve(path) };
    }
  }
}

/** Records a file or directory the command reads. Names that are not files (streams, engines) are ignored. */
export function noteInput(path: string): void {
  if (!path || path === '-') return;
  const id = identify(path);
  if (id.dev === undefined || id.ino === undefined) return;
  inputs.push({ given: path, real: id.real, dev: id.dev, ino: id.ino, dir: !!id.dir });
}

/** The input `path` would overwrite, if any, and whether `path` lies inside it (an input directory). */
export function inputAt(path: string): { input: string; inside: boolean } | undefined {
  if (path === '-' || !inputs.length) return undefined;
  const id = identify(path);
  const hit = inputs.find((i) =>
    i.real === id.real || (id.dev !== undefined && i.dev === id.dev && i.ino === id.ino) ||
    // A file that exists inside an input directory (a layout's index.json or blob) is part of that input.
    (i.dir && id.dev !== undefined && id.real.startsWith(`${i.real}/`)));
  return hit && { input: hit.given, inside: hit.real !== id.real && !(hit.dev === id.dev && hit.ino === id.ino) };
}

/** Throws, in one line, when writing `path` would replace one of the command's inputs. */
export function refuseInputOverwrite(path: string): void {
  const hit = inputAt(path);
  if (!hit) return;
  if (hit.inside) throw new StowageError(`${path}: is inside ${hit.input}, one of this command's inputs; refusing to write over it: give another output name`);
  const same = hit.input === path ? '' : ` (the same file as the input ${hit.input})`;
  throw new StowageError(`${path}: is one of this command's inputs${same}; refusing to write over it: give another output name`);
}

/** Forgets every noted input (for a library caller that runs several commands in one process). */
export function forgetInputs(): void {
  inputs.length = 0;
}
