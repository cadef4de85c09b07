/**
 * Layers for the test tree's one image builder (build-image.ts): a layer tar from a list of entries (files,
 * directories, symlinks, hard links, whiteouts and opaque markers, any mode, owner, time or PAX record) written with
 * stowage's own TarWriter (GNU tar reads its output: test/unit/tar.test.ts), and that tar stored as a blob:
 * uncompressed, gzip'd by Node's zlib, zstd'd, gzip'd by the project's Go compress/gzip encoder (what an "upstream"
 * registry layer is), or stored as bytes a caller made (the real Go toolchain's, GNU gzip's); and a layer the real
 * GNU tar wrote from a list of files.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { goGzip } from '../../src/compress/recipes/go-flate/gzip-writer.js';
import type { NewHeader } from '../../src/tar/header.js';
import { TarWriter } from '../../src/tar/writer.js';
import { compress as zstdCompress } from '../../src/patch/zstd.js';

export const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Bytes that look random (a sha256 chain), the same for the same seed: layer content that does not compress. */
export function seeded(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** One entry of a layer: a tar header (type defaults to a file) and, for a file, its bytes. */
export interface LayerEntry extends NewHeader {
  data?: Buffer | string;
}

type Fields = Partial<Omit<NewHeader, 'name'>>;

export const file = (name: string, data: Buffer | string, h: Fields = {}): LayerEntry => ({ name, type: 'file', mode: 0o644, ...h, data });
export const dir = (name: string, h: Fields = {}): LayerEntry => ({ name: name.endsWith('/') ? name : `${name}/`, type: 'dir', mode: 0o755, ...h });
export const symlink = (name: string, target: string, h: Fields = {}): LayerEntry => ({ name, type: 'symlink', linkname: target, mode: 0o777, ...h });
export const hardlink = (name: string, target: string, h: Fields = {}): LayerEntry => ({ name, type: 'hardlink', linkname: target, mode: 0o644, ...h });

/** The whiteout of `path` (`dir/.wh.name`): a lower layer's `path` is deleted. */
export function whiteout(path: string, h: Fields = {}): LayerEntry {
  const at = path.lastIndexOf('/');
  return file(`${path.slice(0, at + 1)}.wh.${path.slice(at + 1)}`, '', h);
}

/** The opaque marker of directory `path`: what lower layers hold under it is hidden. */
export const opaque = (path: string, h: Fields = {}): LayerEntry => file(`${path.replace(/\/$/, '')}/.wh..wh..opq`, '', h);

/** Files from a name -> bytes record, in its order. */
export const files = (record: Record<string, Buffer | string>, h: Fields = {}): LayerEntry[] =>
  Object.entries(record).map(([name, data]) => file(name, data, h));

async function writeEntries(out: Writable, entries: LayerEntry[], o: TarOptions): Promise<void> {
  const w = new TarWriter(out);
  for (const { data, ...h } of entries) await w.add({ mtime: o.mtime ?? 0, ...h }, data === undefined ? undefined : Buffer.from(data));
  if (!o.noEnd) await w.finish();
  out.end();
  await finished(out);
}

export interface TarOptions {
  /** The time of entries that give none (default 0). */
  mtime?: number;
  /** Leave out the two zero blocks that end a tar (a truncated archive). */
  noEnd?: boolean;
}

/** A tar in memory (a layer), the entries in the order given. */
export async function tarOf(entries: LayerEntry[], o: TarOptions = {}): Promise<Buffer> {
  const pt = new PassThrough();
  const chunks: Buffer[] = [];
  pt.on('data', (c: Buffer) => chunks.push(c));
  await writeEntries(pt, entries, o);
  return Buffer.concat(chunks);
}

/** A tar file (an archive, a delta put back together), the entries in the order given. */
export async function writeTar(path: string, entries: LayerEntry[], o: TarOptions = {}): Promise<void> {
  await writeEntries(createWriteStream(path), entries, o);
}

export type Compression = 'none' | 'gzip' | 'zstd';

/**
 * How a layer tar is stored: as it is; gzip'd by Node's zlib (default level, or the one given); zstd'd (level 3, or
 * the one given); `{ go: level }` gzip'd by the project's Go compress/gzip encoder (src/compress/recipes/go-flate,
 * bit for bit Go 1.8-1.26's: test/recipes/go-flate.test.ts); `{ stored }` bytes the caller made, their compression
 * told from their first bytes.
 */
export type Storage = Compression | { gzip: number } | { zstd: number } | { go: number } | { stored: Buffer };

export interface BuiltLayer {
  /** The uncompressed tar; its digest is the DiffID. */
  tar: Buffer;
  diffId: string;
  /** The bytes stored (the tar itself when uncompressed); its digest is the blob digest. */
  blob: Buffer;
  digest: string;
  compression: Compression;
}

function compressionOf(b: Buffer): Compression {
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of it) out.push(c);
  return Buffer.concat(out);
}

async function store(tar: Buffer, how: Storage): Promise<Buffer> {
  if (how === 'none') return tar;
  if (how === 'gzip') return gzipSync(tar);
  if (how === 'zstd') return zstdCompress(tar, 3);
  if ('gzip' in how) return gzipSync(tar, { level: how.gzip });
  if ('zstd' in how) return zstdCompress(tar, how.zstd);
  if ('go' in how) return collect(goGzip((async function* () { yield tar; })(), how.go));
  return how.stored;
}

/** A layer: the tar (or the entries to make it from) stored as `how` says. */
export async function layerOf(content: Buffer | LayerEntry[], how: Storage = 'none', o: TarOptions = {}): Promise<BuiltLayer> {
  const tar = Buffer.isBuffer(content) ? content : await tarOf(content, o);
  const blob = await store(tar, how);
  return { tar, diffId: sha(tar), blob, digest: sha(blob), compression: compressionOf(blob) };
}

/**
 * A layer as the real GNU tar writes it (`--format` gnu or pax, names sorted, numeric owners, every time
 * 1700000000): the files are written under `work` first (a fresh folder per layer), then tarred from there.
 */
export function gnuTarLayer(record: Record<string, Buffer | string>, work: string, o: { format?: 'gnu' | 'pax' } = {}): Buffer {
  const root = join(work, 'root');
  for (const [f, data] of Object.entries(record)) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), data);
  }
  const out = join(work, 'layer.tar');
  execFileSync('tar', ['--sort=name', `--format=${o.format ?? 'gnu'}`, '--numeric-owner', '--mtime=@1700000000', '-C', root, '-cf', out, '.']);
  return readFileSync(out);
}
