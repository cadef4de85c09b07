/**
 * Tar headers as bytes: decoding ustar/GNU/PAX header blocks and encoding new ones.
 *
 * We keep our own codec because stowage must copy tar entries byte for byte (a changed byte is a new DiffID), and
 * because archives are untrusted: every numeric field, checksum and extension record is validated here.
 */
import { StowageError } from '../errors.js';

export const BLOCK = 512;

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

/** One decoded entry header, with PAX and GNU long-name extensions already applied. */
export interface TarHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch; PAX may give a fraction. */
  mtime: number;
  type: EntryType;
  /** The raw type flag character ('0', '5', ...). */
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** PAX records that applied to this entry (local and global), if any. */
  pax?: Record<string, string>;
}

export function isZeroBlock(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Reads a NUL-terminated string field. */
function cstr(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end === -1 || end > off + len ? off + len : end);
}

/**
 * Numeric fields are octal text (space or NUL terminated) or, when the first byte has its high bit set, a base-256
 * big-endian number (GNU and star use it for sizes over 8 GiB and for negative times).
 */
export function parseNumeric(b: Buffer, off: number, len: number, field: string): number {
  const first = b[off]!;
  if (first & 0x80) {
    const negative = first === 0xff;
    let v = BigInt(first & 0x7f);
    for (let i = 1; i < len; i++) v = (v << 8n) | BigInt(b[off + i]!);
    if (negative) v = v - (1n << BigInt(len * 8 - 1));
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new StowageError(`tar header: ${field} field is out of range`);
    }
    return Number(v);
  }
  let s = b.toString('latin1', off, off + len);
  const nul = s.indexOf('\0');
  if (nul !== -1) s = s.slice(0, nul);
  s = s.trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new StowageError(`tar header: ${field} field is not an octal number: ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

/** Sizes cannot be negative: GNU tar refuses such an archive, and skipping "-2 bytes" would desynchronise the reader. */
function nonNegative(n: number, field: string): number {
  if (n < 0) throw new StowageError(`tar header: negative ${field} (${n})`);
  return n;
}

/** Thrown for a block that is not a tar header at all (its checksum does not match), as opposed to a bad one. */
export class NotTarError extends StowageError {}

function checksumOk(b: Buffer): boolean {
  let stored: number;
  try {
    stored = parseNumeric(b, 148, 8, 'checksum');
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

/** The fields of one raw header block, before extensions are applied. */
export interface RawHeader extends TarHeader {
  /** True for the POSIX ustar magic, whose prefix field extends the name. */
  ustar: boolean;
}

export function decodeHeaderBlock(b: Buffer): RawHeader {
  if (!checksumOk(b)) throw new NotTarError('not a tar archive (a header checksum does not match)');
  const magic = b.toString('latin1', 257, 263);
  const ustar = magic === 'ustar\0';
  const gnu = magic === 'ustar ';
  let name = cstr(b, 0, 100);
  if (ustar) {
    const prefix = cstr(b, 345, 155);
    if (prefix) name = prefix + '/' + name;
  }
  const typeflag = String.fromCharCode(b[156]!);
  const hasUstarFields = ustar || gnu;
  return {
    name,
    mode: parseNumeric(b, 100, 8, 'mode'),
    uid: parseNumeric(b, 108, 8, 'uid'),
    gid: parseNumeric(b, 116, 8, 'gid'),
    size: nonNegative(parseNumeric(b, 124, 12, 'size'), 'size'),
    mtime: parseNumeric(b, 136, 12, 'mtime'),
    typeflag,
    type: TYPES[typeflag] ?? 'other',
    linkname: cstr(b, 157, 100),
    uname: hasUstarFields ? cstr(b, 265, 32) : '',
    gname: hasUstarFields ? cstr(b, 297, 32) : '',
    devmajor: hasUstarFields ? parseNumeric(b, 329, 8, 'devmajor') : 0,
    devminor: hasUstarFields ? parseNumeric(b, 337, 8, 'devminor') : 0,
    ustar,
  };
}

/** Parses PAX extended header records: "<len> <key>=<value>\n", where len counts the whole record. */
export function parsePax(data: Buffer, maxRecords = Infinity): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  let count = 0;
  while (pos < data.length) {
    if (++count > maxRecords) throw new StowageError(`tar: more than ${maxRecords} PAX records for one entry`);
    if (data[pos] === 0) break; // some writers pad the record block with NULs
    const sp = data.indexOf(0x20, pos);
    if (sp === -1 || sp - pos > 20) throw new StowageError('tar: malformed PAX record (no length)');
    const len = Number(data.toString('latin1', pos, sp));
    if (!Number.isInteger(len) || len <= sp - pos + 1 || pos + len > data.length || data[pos + len - 1] !== 0x0a) {
      throw new StowageError('tar: malformed PAX record (bad length)');
    }
    const rec = data.toString('utf8', sp + 1, pos + len - 1);
    const eq = rec.indexOf('=');
    if (eq <= 0) throw new StowageError('tar: malformed PAX record (no key)');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** Applies PAX records (which override header fields) to a decoded header. */
export function applyPax(h: TarHeader, pax: Record<string, string>): void {
  const num = (k: string): number | undefined => {
    const v = pax[k];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new StowageError(`tar: PAX record ${k} is not a number: ${JSON.stringify(v.slice(0, 40))}`);
    return n;
  };
  if (pax.path !== undefined) h.name = pax.path;
  if (pax.linkpath !== undefined) h.linkname = pax.linkpath;
  if (pax.uname !== undefined) h.uname = pax.uname;
  if (pax.gname !== undefined) h.gname = pax.gname;
  const size = num('size');
  if (size !== undefined) {
    if (!Number.isSafeInteger(size) || size < 0) throw new StowageError('tar: PAX size record is out of range');
    h.size = size;
  }
  h.uid = num('uid') ?? h.uid;
  h.gid = num('gid') ?? h.gid;
  h.mtime = num('mtime') ?? h.mtime;
  h.pax = { ...(h.pax ?? {}), ...pax };
}

/** Padding that follows `size` bytes of entry data up to the next block boundary. */
export function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

// ---- encoding ----

export interface NewHeader {
  name: string;
  type?: EntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extra PAX records (xattrs and the like) to carry. */
  pax?: Record<string, string>;
}

const TYPEFLAG: Record<EntryType, string> = {
  file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6', other: '0',
};

function writeString(b: Buffer, off: number, len: number, s: string): boolean {
  const bytes = Buffer.from(s, 'utf8');
  if (bytes.length > len) return false;
  bytes.copy(b, off);
  return true;
}

function writeOctal(b: Buffer, off: number, len: number, n: number): boolean {
  const s = Math.trunc(n).toString(8);
  if (n < 0 || s.length > len - 1) return false;
  b.write(s.padStart(len - 1, '0') + '\0', off, len, 'latin1');
  return true;
}

function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body, 'utf8');
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length !== String(len - bodyLen).length) len = bodyLen + String(len).length;
  return `${len}${body}`;
}

function encodeBlock(h: Required<Omit<NewHeader, 'pax'>>, typeflag: string): { block: Buffer; overflow: Record<string, string> } {
  const b = Buffer.alloc(BLOCK);
  const overflow: Record<string, string> = {};
  // Split a long name into prefix/name when it is ASCII and fits; otherwise carry it in PAX.
  let name = h.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100 && isAscii(name)) {
    const cut = name.lastIndexOf('/', name.length - 1);
    for (let i = cut; i > 0; i = name.lastIndexOf('/', i - 1)) {
      if (i <= 155 && name.length - i - 1 <= 100 && name.length - i - 1 > 0) {
        prefix = name.slice(0, i);
        name = name.slice(i + 1);
        break;
      }
    }
  }
  if (!isAscii(h.name) || !writeString(b, 0, 100, name)) {
    overflow.path = h.name;
    writeString(b, 0, 100, Buffer.from(h.name.replace(/[^\x20-\x7e]/g, '_')).subarray(0, 100).toString('latin1'));
    prefix = '';
  }
  writeOctal(b, 100, 8, h.mode & 0o7777777);
  if (!writeOctal(b, 108, 8, h.uid)) { overflow.uid = String(h.uid); writeOctal(b, 108, 8, 0); }
  if (!writeOctal(b, 116, 8, h.gid)) { overflow.gid = String(h.gid); writeOctal(b, 116, 8, 0); }
  if (!writeOctal(b, 124, 12, h.size)) { overflow.size = String(h.size); writeOctal(b, 124, 12, 0); }
  const mtime = Math.floor(h.mtime);
  if (mtime !== h.mtime || !writeOctal(b, 136, 12, mtime)) { overflow.mtime = String(h.mtime); writeOctal(b, 136, 12, Math.max(0, mtime)); }
  b.write(typeflag, 156, 1, 'latin1');
  if (!isAscii(h.linkname) || !writeString(b, 157, 100, h.linkname)) overflow.linkpath = h.linkname;
  b.write('ustar\x0000', 257, 8, 'latin1');
  if (!isAscii(h.uname) || !writeString(b, 265, 32, h.uname)) overflow.uname = h.uname;
  if (!isAscii(h.gname) || !writeString(b, 297, 32, h.gname)) overflow.gname = h.gname;
  writeOctal(b, 329, 8, h.devmajor);
  writeOctal(b, 337, 8, h.devminor);
  writeString(b, 345, 155, prefix);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return { block: b, overflow };
}

/**
 * Encodes a header as ustar, preceded by a PAX extended header when a field does not fit (long or non-ASCII names,
 * sizes over 8 GiB, fractional times) or when extra PAX records are given. Returns all header blocks.
 */
export function encodeHeader(nh: NewHeader): Buffer {
  const h = {
    type: 'file' as EntryType, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, linkname: '', uname: '', gname: '',
    devmajor: 0, devminor: 0, ...nh,
  };
  const typeflag = TYPEFLAG[h.type];
  const size = h.type === 'file' ? h.size : 0;
  const { block, overflow } = encodeBlock({ ...h, size }, typeflag);
  const records = { ...overflow, ...(nh.pax ?? {}) };
  const keys = Object.keys(records);
  if (keys.length === 0) return block;
  const body = Buffer.from(keys.sort().map((k) => paxRecord(k, records[k]!)).join(''), 'utf8');
  const paxName = ('PaxHeaders/' + h.name.replace(/[^\x20-\x7e]/g, '_')).slice(0, 99);
  const { block: paxBlock } = encodeBlock(
    { name: paxName, type: 'file', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: Math.max(0, Math.floor(h.mtime)),
      linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 },
    'x',
  );
  return Buffer.concat([paxBlock, body, Buffer.alloc(padding(body.length)), block]);
}
