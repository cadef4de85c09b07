/**
 * A FileTree made in one pass over a tar stream (standard input, an engine's export): small JSON documents are kept
 * (each up to the JSON limit), every other file is hashed as it goes by (blob digest and DiffID), and only its first
 * block is kept. Memory stays bounded whatever the stream holds: kept files live in memory up to a budget
 * (STREAM_MEMORY), past it in a temporary folder removed on close, so a stream of many large JSON-looking files
 * costs disk, not RAM.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StowageError } from '../errors.js';
import { JSON_LIMIT, STREAM_MEMORY } from '../limits.js';
import { TMP_HINT, fsError, isWriteFailure } from './fs-errors.js';
import { tempDir } from './temp.js';
import { SNIFF_BYTES } from '../compress/detect.js';
import { digestLayer, peek, type LayerDigests } from '../hash/layer-digest.js';
import { StreamByteSource } from '../tar/bytesource.js';
import { readTar } from '../tar/reader.js';
import { normalizeEntryName } from './paths.js';
import { LinkResolver, type IndexedEntry } from './tar-tree.js';
import type { FileRegion, FileTree, TreeFile } from './tree.js';

interface Kept {
  head: Buffer;
  whole?: Buffer;
  /** A kept file past the memory budget: where it was spooled. */
  spooled?: string;
  digests?: LayerDigests;
  /** Why the file could not be hashed as a layer (not tar, gzip or zstd), if so. */
  error?: string;
}

/** Small files (any content) are kept whole; so are JSON-looking files up to the JSON limit. */
const SMALL = 64 << 10;

function looksLikeJson(head: Buffer): boolean {
  for (const c of head) {
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b || c === 0x5b; // { or [
  }
  return false;
}

export interface StreamTreeOptions {
  /** Called for each file as it streams past, with its path and size (for progress). */
  onFile?: (path: string, size: number) => void;
  /** Hash large files as they pass (default true); inspect needs no hashes, verify does. */
  digest?: boolean;
}

export class StreamTree implements FileTree {
  readonly seekable = false;
  private readonly byName = new Map<string, IndexedEntry>();
  private readonly kept = new Map<string, Kept>();
  private readonly resolver: LinkResolver;
  /** Bytes of kept files held in memory. */
  private held = 0;
  private spool: { dir: string; remove(): Promise<void>; n: number } | undefined;

  private constructor(readonly label: string) {
    this.resolver = new LinkResolver((n) => this.byName.get(n), label);
  }

  static async read(stream: AsyncIterable<Buffer>, label: string, opts: StreamTreeOptions = {}): Promise<StreamTree> {
    const t = new StreamTree(label);
    const src = new StreamByteSource(stream);
    try {
      await t.consume(src, label, opts);
    } catch (e) {
      await t.close();
      throw e;
    } finally {
      // Release the stream (an HTTP response left half-read would keep the process alive).
      await src.close();
    }
    return t;
  }

  private async consume(src: StreamByteSource, label: string, opts: StreamTreeOptions): Promise<void> {
    const t = this;
    for await (const e of readTar(src, { what: label })) {
      const name = normalizeEntryName(e.header.name);
      const ie: IndexedEntry = {
        name, type: e.header.type, typeflag: e.header.typeflag, linkname: e.header.linkname,
        size: e.header.type === 'file' ? e.header.size : 0, headerOffset: e.headerOffset, dataOffset: e.dataOffset,
      };
      t.byName.set(name, ie);
      if (e.header.type !== 'file') continue;
      opts.onFile?.(name, ie.size);
      const { head, rest } = await peek(e.body(), SNIFF_BYTES);
      if (ie.size <= SMALL || (looksLikeJson(head) && ie.size <= JSON_LIMIT)) {
        if (t.held + ie.size > STREAM_MEMORY) {
          t.kept.set(name, { head: Buffer.from(head), spooled: await t.spoolFile(rest) });
          continue;
        }
        const parts: Buffer[] = [];
        for await (const c of rest) parts.push(Buffer.from(c));
        const whole = Buffer.concat(parts);
        t.held += whole.length;
        t.kept.set(name, { head: Buffer.from(head), whole });
        continue;
      }
      if (opts.digest === false) {
        for await (const _ of rest) { /* skipped: only its first block is needed */ }
        t.kept.set(name, { head: Buffer.from(head) });
        continue;
      }
      try {
        t.kept.set(name, { head: Buffer.from(head), digests: await digestLayer(rest, `${label}: ${name}`) });
      } catch (err) {
        if (!(err instanceof StowageError) || /truncated/.test(err.message)) throw err;
        for await (const _ of rest) { /* drain what the failed hash left */ }
        t.kept.set(name, { head: Buffer.from(head), error: err.message });
      }
    }
  }

  /** Writes a kept file past the memory budget to the temporary folder. */
  private async spoolFile(body: AsyncIterable<Buffer>): Promise<string> {
    this.spool ??= { ...(await tempDir('stowage-stream-')), n: 0 };
    const file = join(this.spool.dir, String(this.spool.n++));
    try {
      await pipeline(Readable.from(body), createWriteStream(file));
    } catch (e) {
      throw isWriteFailure(e) ? fsError(e, `temporary folder ${this.spool.dir}`, TMP_HINT) : e;
    }
    return file;
  }

  private must(path: string): { entry: IndexedEntry; kept: Kept } {
    const r = this.resolver.resolve(normalizeEntryName(path));
    if (!r) throw new StowageError(`${this.label}: ${path} is missing`);
    return { entry: r.entry, kept: this.kept.get(r.entry.name)! };
  }

  async stat(path: string): Promise<TreeFile | undefined> {
    const r = this.resolver.resolve(normalizeEntryName(path));
    if (!r) return undefined;
    return { path: normalizeEntryName(path), resolved: r.entry.name, size: r.entry.size, linked: r.linked };
  }

  async readSmall(path: string, limit: number): Promise<Buffer> {
    const { entry, kept } = this.must(path);
    if (entry.size > limit) throw new StowageError(`${this.label}: ${path} is ${entry.size} bytes, over the ${limit}-byte limit`);
    if (kept.spooled) return readFile(kept.spooled);
    if (!kept.whole) throw new StowageError(`${this.label}: ${path} is not JSON`);
    return kept.whole;
  }

  async head(path: string, n: number): Promise<Buffer> {
    const { kept } = this.must(path);
    return (kept.whole ?? kept.head).subarray(0, n);
  }

  open(path: string): AsyncIterable<Buffer> {
    const { kept } = this.must(path);
    if (kept.whole) {
      const whole = kept.whole;
      return (async function* () { yield whole; })();
    }
    if (kept.spooled) return createReadStream(kept.spooled, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
    throw new StowageError(`${this.label}: ${path} was read from a stream and cannot be read again`);
  }

  async region(): Promise<FileRegion | undefined> {
    return undefined;
  }

  precomputed(path: string): LayerDigests | undefined {
    const { kept } = this.must(path);
    if (kept.error) throw new StowageError(kept.error);
    return kept.digests;
  }

  async list(): Promise<string[]> {
    return [...this.byName.values()].filter((e) => e.type === 'file').map((e) => e.name);
  }

  async close(): Promise<void> {
    const spool = this.spool;
    this.spool = undefined;
    await spool?.remove();
  }
}
