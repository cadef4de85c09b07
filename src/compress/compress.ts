/**
 * Streaming compression of layer bytes for destinations that want compressed layers (registries): gzip through
 * Node's zlib, in blocks on libuv's thread pool (parallel-gzip.ts), zstd through the
 * `zstd` program (Node 20 has no zstd encoder) or a clear refusal when it is not on PATH. Output is a pure function
 * of the input and the level, so a compressed blob can be made again byte for byte (uploads resume on that).
 */
import { spawn } from 'node:child_process';
import { StowageError } from '../errors.js';
import { hasZstdCli } from './decompress.js';
import { parallelGzip } from './parallel-gzip.js';

export type Compressor = 'gzip' | 'zstd';


export function checkCompressor(kind: Compressor): void {
  if (kind === 'zstd' && !hasZstdCli()) {
    throw new StowageError('zstd compression needs the zstd program on PATH (apt-get install zstd, or brew install zstd); gzip needs nothing');
  }
}

/**
 * gzip level 2 by default: on bench/registry.sh's 1.12 GB of real files it gives 468 MB, 3% over the 454 MB skopeo
 * pushes (its Go encoder at level 6 compresses less than zlib does) and 6% over zlib's level 6 (440 MB), at 2.5 times
 * level 6's speed (95 against 38 MB/s per core here); --compression-level changes it.
 */
export const GZIP_DEFAULT_LEVEL = 2;

/** Yields `input` compressed. `level` defaults to gzip 2 (see above) and zstd 3. */
export async function* compress(kind: Compressor, input: AsyncIterable<Buffer>, what: string, level?: number): AsyncGenerator<Buffer> {
  checkCompressor(kind);
  if (kind === 'gzip') {
    // Blocks compressed in parallel (pigz's way): one layer uses every core.
    yield* parallelGzip(input, level ?? GZIP_DEFAULT_LEVEL);
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
