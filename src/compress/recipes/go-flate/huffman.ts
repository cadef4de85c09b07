/**
 * Huffman codes as Go's compress/flate builds them (Go 1.7 to 1.26, huffman_code.go), which the bytes depend on: two
 * length-limited codes of equal cost can differ, so the code lengths must come from the same construction, not
 * merely an optimal one.
 *
 * The facts reproduced: symbols with a non-zero frequency are sorted by (frequency, symbol); with two or fewer, each
 * gets length 1. Otherwise the number of symbols per length comes from a lazy boundary package-merge over levels
 * 1..maxBits (maxBits capped at n - 1): each level keeps the frequency of its last chain, of its next leaf and of its
 * next pair (the sum of the last two chains made one level below), and how many chains it still needs; a leaf is
 * taken only when strictly cheaper than the pair; the top level needs 2n - 2 chains. The most frequent symbols get
 * the shortest lengths, and codes are then assigned canonically (RFC 1951 3.2.2), which is what Go's assignment
 * (consecutive codes in symbol order within a length) amounts to.
 */
const MAX_LEVELS = 16;
const INF = 0x7fffffff;
/** Source of `HuffmanCode.generation` stamps: one counter for every code, so a stamp names one code's one state. */
let generations = 0;

export class HuffmanCode {
  /** Bit length per symbol (0: unused). */
  readonly lengths: Uint8Array;
  /** Code per symbol, bit-reversed so that it can be written least significant bit first. */
  readonly codes: Uint16Array;
  /**
   * Changes whenever the lengths and codes do (a new stamp, unique over all codes): tables derived from a code (the
   * token writer's) are kept while it stays the same.
   */
  generation = 0;
  private readonly keys: Float64Array;
  private readonly sortedFreq: Int32Array;
  private readonly perLength = new Int32Array(MAX_LEVELS + 1);
  private readonly count = new Int32Array(MAX_LEVELS + 1);
  private readonly next = new Int32Array(MAX_LEVELS + 1);
  // The state of each level of the package-merge.
  private readonly lastFreq = new Int32Array(MAX_LEVELS);
  private readonly nextLeafFreq = new Int32Array(MAX_LEVELS);
  private readonly nextPairFreq = new Int32Array(MAX_LEVELS);
  private readonly needed = new Int32Array(MAX_LEVELS);
  /** leafCounts[level * 16 + j]: leaves to the left of the level-j ancestor of the rightmost chain of `level`. */
  private readonly leafCounts = new Int32Array(MAX_LEVELS * MAX_LEVELS);

  constructor(readonly size: number) {
    this.lengths = new Uint8Array(size);
    this.codes = new Uint16Array(size);
    this.keys = new Float64Array(size);
    this.sortedFreq = new Int32Array(size + 1);
  }

  /** A code from fixed lengths (the fixed Huffman code of RFC 1951 3.2.6). */
  static fromLengths(lengths: ArrayLike<number>): HuffmanCode {
    const h = new HuffmanCode(lengths.length);
    h.lengths.set(lengths);
    h.assignCanonical();
    return h;
  }

  /** Sum of frequency x length: the bits the symbols take in this code. */
  cost(freq: Int32Array): number {
    let total = 0;
    const lengths = this.lengths;
    for (let i = 0; i < freq.length && i < lengths.length; i++) total += freq[i] * lengths[i];
    return total;
  }

  /** Rebuilds the code for `freq` (one entry per symbol) with no length over maxBits. */
  build(freq: Int32Array, maxBits: number): void {
    const lengths = this.lengths;
    lengths.fill(0);
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      // Frequencies stay far below 2^31 and symbols below 2^9: the key sorts by frequency, then by symbol.
      if (freq[i] !== 0) this.keys[n++] = freq[i] * 512 + i;
    }
    if (n <= 2) {
      for (let i = 0; i < this.size; i++) if (freq[i] !== 0) lengths[i] = 1;
      this.assignCanonical();
      return;
    }
    const sorted = this.keys.subarray(0, n).sort();
    for (let i = 0; i < n; i++) this.sortedFreq[i] = Math.floor(sorted[i] / 512);
    this.sortedFreq[n] = INF;
    this.countPerLength(n, Math.min(maxBits, n - 1));
    // The most frequent symbols (the end of the sorted list) take the shortest lengths.
    let at = n;
    for (let len = 1; len <= MAX_LEVELS; len++) {
      for (let k = this.perLength[len]; k > 0; k--) lengths[sorted[--at] % 512] = len;
    }
    this.assignCanonical();
  }

  /** Fills perLength[1..maxBits] with the number of symbols of each length. */
  private countPerLength(n: number, maxBits: number): void {
    const f = this.sortedFreq;
    const { lastFreq, nextLeafFreq, nextPairFreq, needed, leafCounts } = this;
    needed.fill(0);
    leafCounts.fill(0);
    for (let level = 1; level <= maxBits; level++) {
      // Every level starts as if it had already made its first two chains from the two rarest leaves.
      lastFreq[level] = f[1];
      nextLeafFreq[level] = f[2];
      nextPairFreq[level] = level === 1 ? INF : f[0] + f[1];
      leafCounts[level * MAX_LEVELS + level] = 2;
    }
    needed[maxBits] = 2 * n - 4;
    let level = maxBits;
    for (;;) {
      if (nextPairFreq[level] === INF && nextLeafFreq[level] === INF) {
        // Nothing left to take at this level: close it and never come back to it.
        needed[level] = 0;
        nextPairFreq[level + 1] = INF;
        level++;
        continue;
      }
      const prevFreq = lastFreq[level];
      const row = level * MAX_LEVELS;
      if (nextLeafFreq[level] < nextPairFreq[level]) {
        const taken = leafCounts[row + level] + 1;
        lastFreq[level] = nextLeafFreq[level];
        leafCounts[row + level] = taken;
        nextLeafFreq[level] = f[taken];
      } else {
        // A pair from the level below: inherit its leaf counts, and ask it for two more chains.
        lastFreq[level] = nextPairFreq[level];
        // At most 15 entries: a loop, as copyWithin's call costs more than the copy (it ran thousands of times a block).
        for (let k = row - MAX_LEVELS, to = row, stop = row - MAX_LEVELS + level; k < stop; k++, to++) leafCounts[to] = leafCounts[k];
        needed[level - 1] = 2;
      }
      if (--needed[level] === 0) {
        if (level === maxBits) break;
        nextPairFreq[level + 1] = prevFreq + lastFreq[level];
        level++;
      } else {
        while (needed[level - 1] > 0) level--;
      }
    }
    if (leafCounts[maxBits * MAX_LEVELS + maxBits] !== n) throw new Error('huffman: package-merge did not place every symbol');
    this.perLength.fill(0);
    const top = maxBits * MAX_LEVELS;
    for (let level = maxBits, len = 1; level > 0; level--, len++) {
      this.perLength[len] = leafCounts[top + level] - leafCounts[top + level - 1];
    }
  }

  /** Canonical codes from the lengths (RFC 1951 3.2.2), stored bit-reversed. */
  private assignCanonical(): void {
    this.generation = ++generations;
    const count = this.count;
    count.fill(0);
    for (let i = 0; i < this.size; i++) count[this.lengths[i]]++;
    count[0] = 0;
    const next = this.next;
    for (let len = 1, code = 0; len <= MAX_LEVELS; len++) {
      code = (code + count[len - 1]) << 1;
      next[len] = code;
    }
    for (let i = 0; i < this.size; i++) {
      const len = this.lengths[i];
      this.codes[i] = len === 0 ? 0 : reverse(next[len]++, len);
    }
  }
}

function reverse(code: number, len: number): number {
  let r = 0;
  for (let i = 0; i < len; i++) {
    r = (r << 1) | (code & 1);
    code >>>= 1;
  }
  return r;
}
