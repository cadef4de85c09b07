/**
 * The part format (docs/parts-format.md, schema stowage.part/v1): a byte stream cut into numbered files for media.
 * Each part is a fixed 128-byte header, a slice of the payload, and an 80-byte trailer. The header says where its
 * slice lies and carries its own sha256, so a pass over headers alone can tell missing, foreign and truncated parts
 * before any payload is read; the trailer holds the sha256 of the slice and of the header, so a part proves itself
 * alone, whatever order it comes in.
 *
 * Headers are untrusted: decoding checks every field against the others and throws one line naming the file.
 */
import { createHash } from 'node:crypto';
import { StowageError } from '../errors.js';

export const PART_SCHEMA = 'stowage.part/v1';
/** The first 16 bytes of every part: the schema and a newline, so `head -c 16 OUT.001` says what the file is. */
export const PART_MAGIC = Buffer.from(`${PART_SCHEMA}\n`, 'latin1');
/** The start every version of the format shares (a reader tells a later version from a foreign file). */
export const PART_FAMILY = Buffer.from('stowage.part/', 'latin1');
export const TRAILER_MAGIC = Buffer.from('stowage.part.end', 'latin1');

export const HEADER_SIZE = 128;
export const TRAILER_SIZE = 80;
/** What a part costs beyond its payload slice. */
export const PART_OVERHEAD = HEADER_SIZE + TRAILER_SIZE;

/** The smallest part size accepted: smaller parts would be mostly header. */
export const MIN_PART_SIZE = 1024;
/** The most parts one set may have (five digits in the names). */
export const MAX_PARTS = 99_999;

/** What a part's header says. */
export interface PartHeader {
  /** The set this part belongs to, `sha256:<hex>` (the caller chose it: the bundle's index digest). */
  setId: string;
  /** 1-based. */
  number: number;
  count: number;
  /** The payload bytes every part but the last holds. */
  partPayload: number;
  /** Where this part's slice starts in the payload. */
  offset: number;
  /** How many payload bytes this part holds. */
  length: number;
  /** The whole payload's length. */
  total: number;
}

export interface PartTrailer {
  /** sha256 of the payload slice, `sha256:<hex>`. */
  payloadDigest: string;
  /** sha256 of the 128 header bytes, `sha256:<hex>`. */
  headerDigest: string;
}

/** How a payload of `total` bytes is cut into parts of at most `partSize` bytes each (header and trailer included). */
export function partLayout(total: number, partSize: number): { partPayload: number; count: number } {
  const partPayload = partSize - PART_OVERHEAD;
  return { partPayload, count: Math.max(1, Math.ceil(total / partPayload)) };
}

/** The header of part `number` of a set cut this way. */
export function headerFor(setId: string, number: number, total: number, partPayload: number): PartHeader {
  const count = Math.max(1, Math.ceil(total / partPayload));
  const offset = (number - 1) * partPayload;
  return { setId, number, count, partPayload, offset, length: Math.min(partPayload, total - offset), total };
}

/** The name of part `number` of `count`: `OUT.001`, three digits or as many as the count needs. */
export function partName(out: string, number: number, count: number): string {
  return `${out}.${String(number).padStart(Math.max(3, String(count).length), '0')}`;
}

/** The size of a whole part file holding `length` payload bytes. */
export function partFileSize(length: number): number {
  return HEADER_SIZE + length + TRAILER_SIZE;
}

const SET_ID = /^sha256:[0-9a-f]{64}$/;

/** Checks a set id given by a caller (a usage error: the library call is wrong). */
export function checkSetId(setId: string): void {
  if (!SET_ID.test(setId)) throw new StowageError(`part set id must be sha256:<64 hex digits>, not ${JSON.stringify(setId).slice(0, 80)}`, { code: 'usage', exitCode: 2 });
}

export function sha256(b: Buffer): Buffer {
  return createHash('sha256').update(b).digest();
}

/** The 128 header bytes. */
export function encodeHeader(h: PartHeader): Buffer {
  checkSetId(h.setId);
  const b = Buffer.alloc(HEADER_SIZE);
  PART_MAGIC.copy(b, 0);
  Buffer.from(h.setId.slice(7), 'hex').copy(b, 16);
  b.writeUInt32BE(h.number, 48);
  b.writeUInt32BE(h.count, 52);
  b.writeBigUInt64BE(BigInt(h.partPayload), 56);
  b.writeBigUInt64BE(BigInt(h.offset), 64);
  b.writeBigUInt64BE(BigInt(h.length), 72);
  b.writeBigUInt64BE(BigInt(h.total), 80);
  // 88..96 reserved, zero.
  sha256(b.subarray(0, 96)).copy(b, 96);
  return b;
}

/** The 80 trailer bytes. */
export function encodeTrailer(payloadSha: Buffer, header: Buffer): Buffer {
  return Buffer.concat([TRAILER_MAGIC, payloadSha, sha256(header)]);
}

/** Whether bytes start like a part of any version. */
export function looksLikePart(head: Buffer): boolean {
  return head.length >= PART_FAMILY.length && head.subarray(0, PART_FAMILY.length).equals(PART_FAMILY);
}

function u64(b: Buffer, at: number, field: string, what: string): number {
  const v = b.readBigUInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(what, `${field} ${v} is over 2^53`);
  return Number(v);
}

function bad(what: string, why: string): StowageError {
  return new StowageError(`${what}: not a valid part header (${why})`, { code: 'corrupt' });
}

/** Decodes and checks a header; `what` names the file in errors. */
export function decodeHeader(b: Buffer, what: string): PartHeader {
  if (b.length < HEADER_SIZE) {
    if (looksLikePart(b) || b.length === 0) throw new StowageError(`${what}: truncated (${b.length} bytes, shorter than a part header)`, { code: 'truncated' });
    throw new StowageError(`${what}: not a stowage part (it does not start with ${PART_SCHEMA})`);
  }
  if (!b.subarray(0, 16).equals(PART_MAGIC)) {
    if (looksLikePart(b)) {
      const v = b.subarray(PART_FAMILY.length, 16).toString('latin1').replace(/\n$/, '').replace(/[^ -~]/g, '?');
      throw new StowageError(`${what}: a part of schema stowage.part/${v}; this stowage reads ${PART_SCHEMA}`, { code: 'unsupported' });
    }
    throw new StowageError(`${what}: not a stowage part (it does not start with ${PART_SCHEMA})`);
  }
  if (!sha256(b.subarray(0, 96)).equals(b.subarray(96, 128))) throw new StowageError(`${what}: damaged header (its checksum does not hold)`, { code: 'tampered' });
  if (!b.subarray(88, 96).equals(Buffer.alloc(8))) throw bad(what, 'reserved bytes are not zero');
  const setId = `sha256:${b.subarray(16, 48).toString('hex')}`;
  const number = b.readUInt32BE(48);
  const count = b.readUInt32BE(52);
  const partPayload = u64(b, 56, 'part payload', what);
  const offset = u64(b, 64, 'offset', what);
  const length = u64(b, 72, 'length', what);
  const total = u64(b, 80, 'payload length', what);
  if (count < 1 || count > MAX_PARTS) throw bad(what, `${count} parts; a set has 1 to ${MAX_PARTS}`);
  if (number < 1 || number > count) throw bad(what, `part ${number} of ${count}`);
  if (partPayload < MIN_PART_SIZE - PART_OVERHEAD) throw bad(what, `${partPayload} payload bytes a part, under the least, ${MIN_PART_SIZE - PART_OVERHEAD}`);
  const want = headerFor(setId, number, total, partPayload);
  if (want.count !== count) throw bad(what, `${count} parts, but ${total} bytes in parts of ${partPayload} make ${want.count}`);
  if (offset !== want.offset || length !== want.length) {
    throw bad(what, `part ${number} holds bytes ${offset}+${length}, not ${want.offset}+${want.length} as the part size says`);
  }
  return { setId, number, count, partPayload, offset, length, total };
}

/** Decodes a trailer; null when it is not one (the part is damaged). */
export function decodeTrailer(b: Buffer): PartTrailer | null {
  if (b.length !== TRAILER_SIZE || !b.subarray(0, 16).equals(TRAILER_MAGIC)) return null;
  return { payloadDigest: `sha256:${b.subarray(16, 48).toString('hex')}`, headerDigest: `sha256:${b.subarray(48, 80).toString('hex')}` };
}

/** `sha256:0123456789ab…`: a set id short enough for a message. */
export function shortSet(setId: string): string {
  return `${setId.slice(0, 19)}…`;
}
