/**
 * The two header fields that change when the same files are packed again: the modification time and, with it,
 * the checksum. Left in the structure bytes they cost a few literal bytes per entry even against the old header;
 * taken out (when written the canonical way, as Go's archive/tar and GNU tar write them) the structure matches the
 * old one, the times go as small differences in the operation list, and the checksum is recomputed on rebuild.
 * Applied to an entry's main header block: the last 512 bytes of its structure.
 */
const MTIME = 136;
const CHKSUM = 148;
const SPACES = Buffer.from('        ');
const ZERO_TIME = Buffer.from('00000000000\0');

export const FIELD = { CHKSUM: 1, MTIME: 2 } as const;

function checksumOf(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= CHKSUM && i < CHKSUM + 8 ? 32 : h[i]!;
  return sum;
}

function canonicalChecksum(sum: number): Buffer {
  return Buffer.from(sum.toString(8).padStart(6, '0') + '\0 ', 'latin1');
}

/**
 * Takes the canonical fields out of `chunk`'s last block, in place. Returns which (FIELD flags) and the time.
 * Only blocks that look like ustar/GNU headers are touched.
 */
export function takeFields(chunk: Buffer): { flags: number; mtime: number } {
  if (chunk.length < 512) return { flags: 0, mtime: 0 };
  const h = chunk.subarray(chunk.length - 512);
  if (h.toString('latin1', 257, 262) !== 'ustar') return { flags: 0, mtime: 0 };
  let flags = 0;
  let mtime = 0;
  const sumOk = h.subarray(CHKSUM, CHKSUM + 8).equals(canonicalChecksum(checksumOf(h)));
  const t = h.toString('latin1', MTIME, MTIME + 12);
  if (/^[0-7]{11}\0$/.test(t)) {
    mtime = parseInt(t.slice(0, 11), 8);
    ZERO_TIME.copy(h, MTIME);
    flags |= FIELD.MTIME;
  }
  if (sumOk) {
    SPACES.copy(h, CHKSUM);
    flags |= FIELD.CHKSUM;
  }
  return { flags, mtime };
}

/** Puts the fields back into `chunk`'s last block (the reverse of takeFields), in place. */
export function putFields(chunk: Buffer, flags: number, mtime: number): boolean {
  if (!flags) return true;
  if (chunk.length < 512) return false;
  const h = chunk.subarray(chunk.length - 512);
  if (flags & FIELD.MTIME) {
    if (!Number.isSafeInteger(mtime) || mtime < 0 || mtime >= 8 ** 11) return false;
    h.write(mtime.toString(8).padStart(11, '0') + '\0', MTIME, 12, 'latin1');
  }
  if (flags & FIELD.CHKSUM) canonicalChecksum(checksumOf(h)).copy(h, CHKSUM);
  return true;
}
