/**
 * How alike two files are, cheaply, for choosing which of several base copies of a path a target file is coded
 * against (v3 against sites at v1 and at v2: v2's copy). Each file's head is cut at content-defined points (a gear
 * rolling hash, so an insertion moves no boundary after it) into chunks of about 256 bytes; the score is how many
 * of the target's chunks the candidate holds. Only the first SKETCH_BYTES of each are read: memory and time stay
 * bounded whatever the files' sizes.
 */
export const SKETCH_BYTES = 1 << 20;

const GEAR = (() => {
  // A fixed table of pseudo-random 32-bit numbers (xorshift from a constant seed): both files use the same one.
  const t = new Uint32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    t[i] = x >>> 0;
  }
  return t;
})();

/** The hashes of a buffer's content-defined chunks. */
export function sketch(b: Buffer): Set<number> {
  const out = new Set<number>();
  let roll = 0;
  let h = 0x811c9dc5;
  let len = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    roll = ((roll << 1) + GEAR[c]!) >>> 0;
    h = Math.imul(h ^ c, 0x01000193) >>> 0;
    len++;
    // A boundary where the rolling hash's top 8 bits are zero (about every 256 bytes), none under 32 bytes.
    if ((len >= 32 && roll >>> 24 === 0) || len >= 4096) {
      out.add(h);
      h = 0x811c9dc5;
      len = 0;
    }
  }
  if (len) out.add(h);
  return out;
}

/** How many of the target's chunks the candidate holds. */
export function overlap(target: Set<number>, candidate: Set<number>): number {
  let n = 0;
  for (const h of target) if (candidate.has(h)) n++;
  return n;
}
