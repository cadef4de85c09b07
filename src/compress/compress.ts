/**
 * Streaming compression of layer bytes for destinations that want compressed layers (registries): gzip through
 * Node's zlib (its work runs on libuv's thread pool, so several layers compress in parallel), zstd through the
 * `zstd` program (Node 20 has no zstd encoder) or a clear refusal when it is not on PATH. Output is a pure function
 * of the input and the level, so a compressed blob can be made again byte for byte (uploads resume on that).
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { StowageError } from '../errors.js';
import { hasZstdCli } from './decompress.js';

export type Compressor = 'gzip' | 'zstd';

const CHUNK = 1 << 20;

export function checkCompressor(kind: Compressor): void {
  if (kind === 'zstd' && !hasZstdCli()) {
    throw new StowageError('zstd compression needs the zstd program on PATH (apt-get install zstd, or brew install zstd); gzip needs nothing');
  }
}

/**
 * gzip level 3 by default: on bench/registry.sh's 1.12 GB of real files it gives 462 MB, within 2% of the 454 MB
 * skopeo pushes (its Go encoder at level 6 compresses less than zlib's), at twice the speed of zlib's level 6
 * (78 against 38 MB/s here, which gives 440 MB); --compression-level changes it.
 */
export const GZIP_DEFAULT_LEVEL = 3;

/** Yields `input` compressed. `level` defaults to gzip 3 (see above) and zstd 3. */
export async function* compress(kind: Compressor, input: AsyncIterable<Buffer>, what: string, level?: number): AsyncGenerator<Buffer> {
  checkCompressor(kind);
  if (kind === 'gzip') {
    const gz = createGzip({ chunkSize: CHUNK, level: level ?? GZIP_DEFAULT_LEVEL });
    const src = Readable.from(input, { objectMode: false });
    let inputError: unknown;
    src.on('error', (e) => { inputError = e; gz.destroy(e); });
    src.pipe(gz);
    try {
      for await (const c of gz as AsyncIterable<Buffer>) yield c;
    } catch (e) {
      throw inputError ?? new StowageError(`${what}: gzip compression failed (${(e as Error).message})`);
    } finally {
      src.destroy();
      gz.destroy();
    }
    return;
  }
  const child = spawn('zstd', ['-c', '-q', '--no-progress', `-${level ?? 3}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  child.stdin.on('error', () => { /* the exit status says why */ });
  let feedError: unknown;
  const feed = (async () => {
    try {
      for await (const c of input) {
        if (!child.stdin.write(c)) await new Promise<void>((r) => child.stdin.once('drain', r));
      }
    } catch (e) {
      feedError = e;
      child.kill();
    } finally {
      child.stdin.end();
    }
  })();
  try {
    for await (const c of child.stdout as AsyncIterable<Buffer>) yield c;
    const code = await exited;
    await feed;
    if (feedError) throw feedError;
    if (code !== 0) throw new StowageError(`${what}: zstd compression failed (${stderr.trim().split('\n').pop() || `exit ${code}`})`);
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
