/**
 * The real encoder the gnu-gzip recipe tests compare with: GNU gzip on PATH (Debian bookworm's gzip 1.12), run on a
 * file the way dh_compress runs it (`gzip -9n`): from a regular file, whose reads return all they ask for.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipUnless } from '../helpers/peers.js';
import { scratch } from '../helpers/paths.js';

function gzipVersion(): string | undefined {
  try {
    return /^gzip (\S+)/.exec(execFileSync('gzip', ['--version']).toString())?.[1];
  } catch {
    return undefined;
  }
}

const version = skipUnless('gzip') ? undefined : gzipVersion();
export const GZIP_SKIP = skipUnless('gzip')
  || (version !== '1.12' && `GNU gzip here is ${version ?? 'not GNU gzip'}, the recipe reproduces 1.12 (Debian bookworm's): run the tests on bookworm`);

let dir: string | undefined;
let n = 0;

/** `input` gzip'd by the real `gzip -LEVEL -n` from a file. */
export function gnuGzipped(input: Buffer, level: number): Buffer {
  dir ??= scratch('stowage-gnugzip-');
  const file = join(dir, `in${n++}`);
  writeFileSync(file, input);
  return gnuGzippedFile(file, level);
}

/** The file at `path` gzip'd by the real `gzip -LEVEL -n -c`. */
export function gnuGzippedFile(path: string, level: number): Buffer {
  return execFileSync('gzip', [`-${level}`, '-n', '-c', path], { maxBuffer: 1 << 30 });
}
