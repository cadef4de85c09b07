/**
 * The test tree's one tar-entry reader: the entries of a small tar in memory (a test's patch delta, a docker archive
 * of a few MB), read from the header bytes here rather than by stowage's own reader, so a test that checks what
 * stowage wrote does not trust stowage to read it. It reads ustar names with their prefix, GNU long names and PAX
 * `path`, `linkpath` and `size` records, which is all stowage and GNU tar write.
 */
import { readFileSync } from 'node:fs';

export interface TarEntryRead {
  name: string;
  /** The type flag: '0' file, '1' hard link, '2' symlink, '5' directory, ... */
  typeflag: string;
  /** The same in words: file, hardlink, symlink, char, block, dir, fifo (or the flag itself). */
  type: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  /** The PAX records that apply to it: the global ones before it, then its own. */
  pax: Record<string, string>;
  /** The entry's bytes (a copy: editing it edits nothing else). */
  data: Buffer;
}

const TYPES: Record<string, string> = { '0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo' };
const str = (h: Buffer, at: number, len: number) => h.toString('utf8', at, at + len).replace(/\0.*$/s, '');
const octal = (h: Buffer, at: number, len: number) => parseInt(h.toString('latin1', at, at + len).replace(/\0.*$/s, '').trim() || '0', 8);

function paxRecords(b: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 0; at < b.length;) {
    const sp = b.indexOf(0x20, at);
    const len = parseInt(b.toString('latin1', at, sp), 10);
    const rec = b.toString('utf8', sp + 1, at + len - 1);
    const eq = rec.indexOf('=');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    at += len;
  }
  return out;
}

/** The entries of a tar (its bytes, or a file's path), in order; PAX and GNU long-name entries are applied, not listed. */
export function tarEntries(tar: Buffer | string): TarEntryRead[] {
  const b = Buffer.isBuffer(tar) ? tar : readFileSync(tar);
  const out: TarEntryRead[] = [];
  let global: Record<string, string> = {};
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (let at = 0; at + 512 <= b.length;) {
    const h = b.subarray(at, at + 512);
    if (h.every((x) => x === 0)) break;
    const typeflag = String.fromCharCode(h[156]!) === '\0' ? '0' : String.fromCharCode(h[156]!);
    const sized = pax.size ?? global.size;
    const size = sized !== undefined ? Number(sized) : octal(h, 124, 12);
    const data = Buffer.from(b.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
    if (typeflag === 'x') { pax = { ...pax, ...paxRecords(data) }; continue; }
    if (typeflag === 'g') { global = { ...global, ...paxRecords(data) }; continue; }
    if (typeflag === 'L') { longName = data.toString('utf8').replace(/\0.*$/s, ''); continue; }
    if (typeflag === 'K') { longLink = data.toString('utf8').replace(/\0.*$/s, ''); continue; }
    const prefix = h.toString('latin1', 257, 263) === 'ustar\x00' ? str(h, 345, 155) : '';
    const records = { ...global, ...pax };
    const name = records.path ?? longName ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    out.push({
      name, typeflag, type: TYPES[typeflag] ?? typeflag, linkname: records.linkpath ?? longLink ?? str(h, 157, 100),
      mode: octal(h, 100, 8), uid: Number(records.uid ?? octal(h, 108, 8)), gid: Number(records.gid ?? octal(h, 116, 8)), pax: records, data,
    });
    pax = {};
    longName = longLink = undefined;
  }
  return out;
}

/** A tar's file entries by name (the last of a name wins, as extraction does). */
export function tarFiles(tar: Buffer | string): Map<string, Buffer> {
  return new Map(tarEntries(tar).filter((e) => e.typeflag === '0').map((e) => [e.name, e.data]));
}
