/**
 * A tar writer onto any Writable, honouring backpressure. Entries can be new (a header is encoded) or copied
 * (raw header blocks written back verbatim, so a copied layer keeps every byte and its DiffID).
 */
import type { Writable } from 'node:stream';
import { StowageError } from '../errors.js';
import { BLOCK, encodeHeader, padding, type NewHeader } from './header.js';

const ZEROS = Buffer.alloc(BLOCK * 2);

export class TarWriter {
  /** Bytes written so far. */
  bytes = 0;

  /** `out`: a stream, or a function that stores bytes at an offset and resolves once it has (a file). */
  constructor(private readonly out: Writable | ((b: Buffer, at: number) => Promise<void>)) {}

  /** Writes a buffer, waiting for the stream to drain when it asks. */
  async write(b: Buffer): Promise<void> {
    if (b.length === 0) return;
    const at = this.bytes;
    this.bytes += b.length;
    if (typeof this.out === 'function') {
      await this.out(b, at);
      return;
    }
    const out = this.out;
    // A stream that already failed (a full disk) never drains: report its error instead of waiting for ever.
    if (out.errored) throw out.errored;
    if (out.destroyed) throw new OutputClosed();
    if (!out.write(b)) {
      if (out.errored) throw out.errored;
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => { cleanup(); resolve(); };
        const onError = (e: Error) => { cleanup(); reject(e); };
        const onClose = () => { cleanup(); reject(new OutputClosed()); };
        const cleanup = () => {
          out.off('drain', onDrain);
          out.off('error', onError);
          out.off('close', onClose);
        };
        out.on('drain', onDrain);
        out.on('error', onError);
        out.on('close', onClose);
      });
    }
  }

  /** Writes `size` bytes of entry data from `body`, then the padding; fails if the body is not exactly `size`. */
  private async writeBody(name: string, size: number, body: Buffer | AsyncIterable<Buffer> | undefined): Promise<void> {
    let n = 0;
    if (Buffer.isBuffer(body)) {
      await this.write(body);
      n = body.length;
    } else if (body) {
      for await (const c of body) {
        n += c.length;
        if (n > size) throw new StowageError(`${name}: more data than the ${size} bytes announced`);
        await this.write(c);
      }
    }
    if (n !== size) throw new StowageError(`${name}: ${n} bytes of data where ${size} were announced`);
    await this.write(ZEROS.subarray(0, padding(size)));
  }

  /** Adds a new entry. For files, `body` must hold exactly `header.size` bytes. */
  async add(header: NewHeader, body?: Buffer | AsyncIterable<Buffer>): Promise<void> {
    const size = (header.type ?? 'file') === 'file' ? (header.size ?? (Buffer.isBuffer(body) ? body.length : 0)) : 0;
    await this.write(encodeHeader({ ...header, size }));
    await this.writeBody(header.name, size, body);
  }

  /** Adds a file from a buffer with fixed metadata (mode 0644, root, the given mtime). */
  async addFile(name: string, data: Buffer, mtime = 0, mode = 0o644): Promise<void> {
    await this.add({ name, type: 'file', size: data.length, mode, mtime }, data);
  }

  async addDir(name: string, mtime = 0, mode = 0o755): Promise<void> {
    await this.add({ name: name.endsWith('/') ? name : name + '/', type: 'dir', mode, mtime });
  }

  async addSymlink(name: string, target: string, mtime = 0): Promise<void> {
    await this.add({ name, type: 'symlink', linkname: target, mode: 0o777, mtime });
  }

  /** Copies an entry whose header blocks are given raw (as read): its bytes stay exactly as they were. */
  async addRaw(rawHeader: Buffer, size: number, body: AsyncIterable<Buffer> | Buffer | undefined, name = 'entry'): Promise<void> {
    await this.write(rawHeader);
    await this.writeBody(name, size, body);
  }

  /**
   * Leaves `n` bytes for someone else to write at the returned offset (a layer copied by other threads into a file
   * output). Only for function outputs, which write at offsets.
   */
  reserve(n: number): number {
    if (typeof this.out !== 'function') throw new Error('internal: only a file output can reserve space');
    const at = this.bytes;
    this.bytes += n;
    return at;
  }

  /** Writes the end-of-archive marker (two zero blocks). */
  async finish(): Promise<void> {
    await this.write(ZEROS);
  }
}

/** The output went away mid-write (a closed pipe, a request the peer ended): whoever closed it may know why. */
export class OutputClosed extends StowageError {
  constructor() {
    super('output closed before the archive was written', { code: 'write-failed' });
  }
}
