/**
 * JSON files a user hands stowage (a have file, a patch index, a thin archive's stowage-delta.json), parsed with
 * errors that say what the file is instead of passing the JavaScript engine's parser text through (`Unexpected token
 * '\x00', "..." is not valid JSON`, raw bytes and all): binary data, UTF-16, a byte order mark, a tar, compressed data
 * or an image are named as such, with where the bytes go wrong.
 */
import { StowageError } from '../errors.js';
import { parseJson } from './json.js';

/** What a file that cannot be JSON is, from its first bytes; undefined when it may be JSON text. */
export function notJsonReason(b: Buffer): string | undefined {
  const starts = (...m: number[]) => m.every((x, i) => b[i] === x);
  if (starts(0xef, 0xbb, 0xbf)) return 'it starts with a UTF-8 byte order mark (JSON has none; save it without one)';
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff) || utf16Pairs(b)) return 'UTF-16 text (JSON is UTF-8)';
  if (b.length >= 262 && b.toString('latin1', 257, 262) === 'ustar') return 'a tar archive';
  if (starts(0x1f, 0x8b)) return 'gzip-compressed data';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd-compressed data';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'a zip archive';
  // JSON text holds no control characters but tab, newline and carriage return, and is valid UTF-8.
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return `binary data at byte ${i}`;
    if (c === 0x7f) return `binary data at byte ${i}`;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return undefined;
  } catch {
    const at = firstBadSequence(b);
    return `not UTF-8 text${at >= 0 ? ` (an invalid byte at ${at})` : ''}`;
  }
}

/** Two characters of ASCII as UTF-16 without a byte order mark: a NUL beside each printable byte. */
function utf16Pairs(b: Buffer): boolean {
  if (b.length < 4) return false;
  const text = (c: number) => c >= 0x09 && c < 0x7f;
  return (b[0] === 0 && b[2] === 0 && text(b[1]!) && text(b[3]!)) || (b[1] === 0 && b[3] === 0 && text(b[0]!) && text(b[2]!));
}

/** Where the first malformed UTF-8 sequence starts (by its shape; -1 when only the decoder's finer rules catch it). */
function firstBadSequence(b: Buffer): number {
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (!n || i + n > b.length) return i;
    for (let k = 1; k < n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n;
  }
  return -1;
}

/**
 * Parses a JSON file given by the user. `expects` says what the file should be (`--have takes the JSON that stowage
 * have writes`), added when the file is plainly something else.
 */
export function parseJsonInput(bytes: Buffer, what: string, expects?: string): unknown {
  const reason = notJsonReason(bytes);
  if (reason) throw new StowageError(`${what}: not JSON: ${reason}${expects ? `; ${expects}` : ''}`);
  try {
    return parseJson(bytes, what);
  } catch (e) {
    if (!(e instanceof StowageError) || !/: invalid JSON \(/.test(e.message)) throw e;
    // The engine's message quotes the text around the error; keep only where and what.
    const inner = /invalid JSON \((.*)\)$/.exec(e.message)?.[1] ?? '';
    const pos = /position (\d+)/.exec(inner)?.[1];
    const token = /^(.*?)(?:, "| in JSON| at position|$)/.exec(inner)?.[1];
    const where = pos !== undefined ? ` at character ${pos}` : '';
    throw new StowageError(`${what}: not JSON: invalid syntax${where}${token ? ` (${escape(token)})` : ''}${expects ? `; ${expects}` : ''}`);
  }
}

/** Control and invisible characters a terminal would act on, escaped. */
function escape(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, 80);
}
