/**
 * Streaming decompression of layer bytes: gzip through Node's zlib; zstd through the `zstd` program when it is on
 * PATH (fast, and in another process), else the pure-JavaScript fzstd decoder (Node 20 has no zstd in zlib).
 */
import { spawn, spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { StowageError } from '../errors.js';
import type { Compression } from './detect.js';

const CHUNK = 1 << 20;

let zstdCli: boolean | undefined;
export function hasZstdCli(): boolean {
  if (zstdCli === undefined) {
    zstdCli = process.env.STOWAGE_NO_ZSTD_CLI ? false : spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
  }
  return zstdCli;
}

/** Yields the decompressed bytes of `input`. `what` names the data in errors. */
export async function* decompress(kind: Compression, input: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  if (kind === 'none') {
    yield* input;
    return;
  }
  if (kind === 'gzip') {
    const gunzip = createGunzip({ chunkSize: CHUNK });
    yield* pumpThrough(gunzip, input, what, 'gzip');
    return;
  }
  if (hasZstdCli()) {
    yield* zstdProcess(input, what);
    return;
  }
  yield* zstdJs(input, what);
}

/** Feeds `input` into a duplex transform and yields its output, propagating errors with a clear message. */
async function* pumpThrough(t: NodeJS.ReadWriteStream, input: AsyncIterable<Buffer>, what: string, codec: string): AsyncGenerator<Buffer> {
  const src = Readable.from(input, { objectMode: false });
  let inputError: unknown;
  src.on('error', (e) => { inputError = e; (t as unknown as Readable).destroy(e as Error); });
  src.pipe(t as unknown as NodeJS.WritableStream);
  try {
    for await (const c of t as unknown as AsyncIterable<Buffer>) yield c;
  } catch (e) {
    if (inputError) throw inputError;
    const msg = (e as Error).message ?? String(e);
    throw new StowageError(`${what}: ${codec} data is corrupt or truncated (${msg})`, { code: 'corrupt' });
  } finally {
    src.destroy();
  }
}

async function* zstdProcess(input: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  const child = spawn('zstd', ['-d', '-c', '-q', '--no-progress'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const feed = (async () => {
    try {
      for await (const c of input) {
        if (!child.stdin.write(c)) await new Promise<void>((r) => child.stdin.once('drain', r));
      }
    } catch (e) {
      child.kill();
      throw e;
    } finally {
      child.stdin.end();
    }
  })();
  child.stdin.on('error', () => { /* the process exited early; its exit code says why */ });
  let feedError: unknown;
  feed.catch((e) => { feedError = e; });
  try {
    for await (const c of child.stdout as AsyncIterable<Buffer>) yield c;
    const code = await exited;
    await feed.catch(() => undefined);
    if (feedError) throw feedError;
    if (code !== 0) throw new StowageError(`${what}: zstd data is corrupt or truncated (${stderr.trim().split('\n').pop() || `zstd exit ${code}`})`, { code: 'corrupt' });
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

async function* zstdJs(input: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const d = new Decompress((chunk) => { out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)); });
  try {
    for await (const c of input) {
      d.push(c);
      while (out.length) yield out.shift()!;
    }
    d.push(new Uint8Array(0), true);
  } catch (e) {
    if (e instanceof StowageError) throw e;
    throw new StowageError(`${what}: zstd data is corrupt or truncated (${(e as Error).message})`, { code: 'corrupt' });
  }
  while (out.length) yield out.shift()!;
}
