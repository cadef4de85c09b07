/**
 * Parts concatenated on one stream (`cat OUT.001 OUT.002 ... | stowage apply -`): read in one pass, in order. Each
 * header is checked as it arrives (its set, its number: the one after the last), each part's payload is yielded
 * and proved at its end, and the stream must end after the last part. A stream cannot be looked over first, so a
 * missing part is told when the part after it arrives, or when the stream ends.
 */
import { createHash } from 'node:crypto';
import { StowageError } from '../errors.js';
import { StreamByteSource } from '../tar/bytesource.js';
import { HEADER_SIZE, TRAILER_SIZE, decodeHeader, shortSet, type PartHeader } from './format.js';
import { checkTrailer } from './part-payload.js';
import { missingWords } from './scan.js';

export interface PartStreamOptions {
  /** What the stream is, for messages (default `standard input`). */
  what?: string;
  /** The set the parts must be of; default: the set of the first part. */
  setId?: string;
  /** Told of each part once it has proved whole. */
  onPart?: (h: PartHeader) => void;
}

/** The payload of parts concatenated in order on `input`. */
export async function* readPartStream(input: AsyncIterable<Buffer | string>, opts: PartStreamOptions = {}): AsyncGenerator<Buffer> {
  const what = opts.what ?? 'standard input';
  const src = new StreamByteSource(input);
  try {
    let first: PartHeader | undefined;
    let expect = 1;
    for (;;) {
      const at = src.position;
      const headerBytes = await src.read(HEADER_SIZE);
      if (headerBytes.length === 0) {
        if (!first) throw new StowageError(`${what}: empty; no part came`, { code: 'truncated' });
        if (expect <= first.count) throw new StowageError(`${what}: ${missingWords(range(expect, first.count), first.count)} (the input ended after part ${expect - 1})`, { code: 'truncated' });
        return;
      }
      if (first && expect > first.count) throw new StowageError(`${what}: more bytes after the last part (part ${first.count} of ${first.count}), at byte ${at}`, { code: 'invalid' });
      const h = decodeHeader(headerBytes, `${what}, at byte ${at}`);
      const setId = opts.setId ?? first?.setId ?? h.setId;
      const part = `${what}: part ${h.number} of ${h.count}`;
      if (h.setId !== setId) throw new StowageError(`${part}: from another bundle (set ${shortSet(h.setId)}, not ${shortSet(setId)})`, { code: 'invalid' });
      if (first && (h.count !== first.count || h.total !== first.total || h.partPayload !== first.partPayload)) {
        throw new StowageError(`${part}: says ${h.count} parts of ${h.total} bytes, part 1 says ${first.count} of ${first.total}: altered`, { code: 'invalid' });
      }
      if (h.number !== expect) {
        if (h.number > expect) {
          const after = expect === 1 ? `the input starts with part ${h.number}` : `part ${h.number} came after part ${expect - 1}`;
          throw new StowageError(`${what}: ${missingWords(range(expect, h.number - 1), h.count)} (${after}; on a stream, parts come in order)`, { code: 'not-found' });
        }
        throw new StowageError(`${part}: came again or out of order after part ${expect - 1} (on a stream, parts come once, in order)`, { code: 'invalid' });
      }
      first ??= h;
      const hash = createHash('sha256');
      let left = h.length;
      for await (const b of src.chunks(h.length)) {
        hash.update(b);
        left -= b.length;
        yield b;
      }
      if (left > 0) throw new StowageError(`${part}: truncated (${h.length - left} of its ${h.length} payload bytes came)`, { code: 'truncated' });
      const trailer = await src.read(TRAILER_SIZE);
      if (trailer.length < TRAILER_SIZE) throw new StowageError(`${part}: truncated (the input ends inside its trailer)`, { code: 'truncated' });
      checkTrailer(trailer, headerBytes, hash.digest(), part);
      opts.onPart?.(h);
      expect++;
    }
  } finally {
    await src.close();
  }
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}
