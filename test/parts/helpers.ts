/**
 * Helpers for the part tests: real part sets written by the real writer, payloads of chosen sizes, and a reader of
 * the format written from docs/parts-format.md alone (plain Buffer reads), so the tests check the file layout the
 * document promises, not only that the writer and the reader agree.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeParts, type PartSetWritten } from '../../src/parts/index.js';
import { scratch } from '../helpers/paths.js';

export const root = scratch('stowage-parts-');
let n = 0;
/** A new empty folder. */
export function folder(): string {
  const d = join(root, `d${++n}`);
  mkdirSync(d);
  return d;
}

export function sha(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** A set id as the lead passes it: the sha256 of some bytes (here, of a name). */
export function setIdOf(name: string): string {
  return sha(Buffer.from(name));
}

/** Yields `data` in chunks of irregular sizes (so part boundaries fall inside chunks). */
export async function* chunked(data: Buffer, seed = 7): AsyncGenerator<Buffer> {
  let at = 0;
  let s = seed;
  while (at < data.length) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const k = Math.min(data.length - at, 1 + (s % 3000));
    yield data.subarray(at, at + k);
    at += k;
  }
}

/** Writes `data` as parts `DIR/name.NNN`; returns the payload and what the writer said. */
export async function makeSet(o: { size: number; partSize: number; name?: string; setId?: string; dir?: string; data?: Buffer }): Promise<{ data: Buffer; out: string; dir: string; w: PartSetWritten }> {
  const dir = o.dir ?? folder();
  const data = o.data ?? randomBytes(o.size);
  const out = join(dir, o.name ?? 'release');
  const w = await writeParts(chunked(data), out, { partSize: o.partSize, total: data.length, setId: o.setId ?? setIdOf(out) });
  return { data, out, dir, w };
}

/** A part as docs/parts-format.md lays it out, read with plain Buffer reads. */
export interface DocPart {
  magic: string;
  setId: string;
  number: number;
  count: number;
  partPayload: number;
  offset: number;
  length: number;
  total: number;
  headerSumHolds: boolean;
  payload: Buffer;
  trailerMagic: string;
  payloadSumHolds: boolean;
  headerSumInTrailerHolds: boolean;
}

export function readDocPart(file: string): DocPart {
  const b = readFileSync(file);
  const h = b.subarray(0, 128);
  const length = Number(h.readBigUInt64BE(72));
  const payload = b.subarray(128, 128 + length);
  const t = b.subarray(128 + length);
  return {
    magic: h.subarray(0, 16).toString('latin1'),
    setId: `sha256:${h.subarray(16, 48).toString('hex')}`,
    number: h.readUInt32BE(48),
    count: h.readUInt32BE(52),
    partPayload: Number(h.readBigUInt64BE(56)),
    offset: Number(h.readBigUInt64BE(64)),
    length,
    total: Number(h.readBigUInt64BE(80)),
    headerSumHolds: createHash('sha256').update(h.subarray(0, 96)).digest().equals(h.subarray(96, 128)),
    payload,
    trailerMagic: t.subarray(0, 16).toString('latin1'),
    payloadSumHolds: t.length === 80 && createHash('sha256').update(payload).digest().equals(t.subarray(16, 48)),
    headerSumInTrailerHolds: t.length === 80 && createHash('sha256').update(h).digest().equals(t.subarray(48, 80)),
  };
}

/** Alters payload byte `at` (within the part's payload) of a part file and makes its trailer's checksum again. */
export function alterAndRechecksum(file: string, at: number): void {
  const b = readFileSync(file);
  const length = Number(b.readBigUInt64BE(72));
  b[128 + at] ^= 0xff;
  createHash('sha256').update(b.subarray(128, 128 + length)).digest().copy(b, 128 + length + 16);
  writeFileSync(file, b);
}

/** Rewrites header fields of a part file (a function over the 128 bytes), then makes the header's checksum again. */
export function rewriteHeader(file: string, edit: (h: Buffer) => void, rechecksum = true): void {
  const b = readFileSync(file);
  const h = b.subarray(0, 128);
  edit(h);
  if (rechecksum) createHash('sha256').update(h.subarray(0, 96)).digest().copy(h, 96);
  writeFileSync(file, b);
}

/** Collects an async iterable of buffers. */
export async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const b of it) out.push(b);
  return Buffer.concat(out);
}

/** A deterministic shuffle. */
export function shuffle<T>(xs: T[], seed = 3): T[] {
  const a = [...xs];
  let s = seed;
  for (let i = a.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
