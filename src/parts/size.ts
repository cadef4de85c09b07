/**
 * Part sizes as people write them: `4.7GB`, `700MB`, `25GB`, `64MiB`, `1048576`. kB, MB, GB and TB are decimal, as
 * media labels count (a "4.7 GB" DVD holds 4,700,372,992 bytes, so 4.7GB parts fit); KiB, MiB, GiB and TiB are
 * binary. Plain numbers are bytes.
 */
import { UsageError } from '../errors.js';
import { MIN_PART_SIZE } from './format.js';

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
  kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/** The help text's words for a part size. */
export const PART_SIZE_HELP = 'a size like 4.7GB, 700MB, 25GB, 64MiB or plain bytes (kB/MB/GB/TB are decimal, as on media labels; KiB/MiB/GiB/TiB binary)';

/** Reads a part size; `flag` names the option in the one-line error. */
export function parsePartSize(text: string, flag = '--part-size'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`${flag} wants ${PART_SIZE_HELP}, not ${JSON.stringify(text)}`);
  // Exact decimal arithmetic: 4.35 * 1e9 in floating point is 4349999999.9999995.
  const [whole, frac = ''] = m[1]!.split('.');
  const n = Number((BigInt(whole! + frac) * BigInt(unit)) / 10n ** BigInt(frac.length));
  if (!Number.isSafeInteger(n)) throw new UsageError(`${flag}: ${JSON.stringify(text)} is too large`);
  if (n < MIN_PART_SIZE) throw new UsageError(`${flag}: ${n} bytes is under the smallest part, ${MIN_PART_SIZE} bytes`);
  return n;
}
