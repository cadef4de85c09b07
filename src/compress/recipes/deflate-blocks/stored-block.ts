/**
 * Stored blocks (RFC 1951 3.2.4): the 3 header bits, padding to a byte, LEN and NLEN, then the bytes as they are.
 * Every encoder here writes them the same way; they differ only in when they choose one.
 */
import type { BitSink } from '../go-flate/bit-sink.js';

/** The largest LEN a stored block can declare. */
export const MAX_STORED = 65535;

/** The bits a stored block of `length` bytes is counted as by Go's and klauspost's cost comparisons: (length + 5) bytes. */
export function storedBits(length: number): number {
  return (length + 5) * 8;
}

export function writeStoredHeader(out: BitSink, length: number, final: boolean): void {
  out.bits(final ? 1 : 0, 3);
  out.alignToByte();
  out.bits(length, 16);
  out.bits(~length & 0xffff, 16);
}

export function writeStored(out: BitSink, input: Uint8Array, start: number, end: number, final: boolean): void {
  writeStoredHeader(out, end - start, final);
  out.bytes(input, start, end);
}
