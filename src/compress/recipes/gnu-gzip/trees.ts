/**
 * Huffman codes as GNU gzip builds them (its trees.c, the same construction zlib inherited): a heap of symbols by
 * frequency, ties broken by subtree depth; lengths over the limit pulled back by moving leaves down; canonical codes
 * sent bit-reversed. Two codes of equal cost can differ, so every tie-break here is gzip's: its heap order, its
 * overflow repair and the symbols it adds to a code with fewer than two. The cost of a block under the code just
 * built (`optLen`) and under the fixed code (`staticLen`) is summed here too, with gzip's own approximations,
 * because gzip chooses between stored, fixed and dynamic blocks by those sums.
 */
import type { BitSink } from '../go-flate/bit-sink.js';

const MAX_BITS = 15;
/** Largest heap: 2 * 286 literal/length symbols + 1. */
export const HEAP_SIZE = 2 * 286 + 1;

/** One alphabet's tree: leaves 0..elems-1, internal nodes above; the arrays are per node. */
export class Tree {
  readonly freq: Int32Array;
  readonly len: Int32Array;
  readonly code: Int32Array;
  readonly dad: Int32Array;
  /** Highest symbol with a code after build (gzip's desc->max_code). */
  maxCode = 0;

  constructor(
    readonly elems: number,
    readonly maxLength: number,
    /** Extra bits per symbol from `extraBase` on (lengths, distances, repeat codes), or null. */
    readonly extra: Int32Array | null,
    readonly extraBase: number,
    /** The fixed code's lengths, to cost the block under it; null for the code-length alphabet. */
    readonly staticLens: Uint8Array | null,
  ) {
    // Node 2*elems is scan's guard slot (the length after the last code), never a node of the tree.
    const nodes = 2 * elems + 1;
    this.freq = new Int32Array(nodes);
    this.len = new Int32Array(nodes);
    this.code = new Int32Array(nodes);
    this.dad = new Int32Array(nodes);
  }
}

/** Reverses the low `len` bits of `code` (deflate sends Huffman codes from their top bit, packed LSB first). */
export function reverseBits(code: number, len: number): number {
  let r = 0;
  for (let i = 0; i < len; i++) {
    r = (r << 1) | (code & 1);
    code >>>= 1;
  }
  return r;
}

/** Canonical codes from lengths, given the count of codes of each length. */
export function assignCodes(len: Int32Array | Uint8Array, code: Int32Array, maxCode: number, blCount: Int32Array): void {
  const next = new Int32Array(MAX_BITS + 1);
  let c = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    c = (c + blCount[bits - 1]) << 1;
    next[bits] = c;
  }
  for (let n = 0; n <= maxCode; n++) {
    const l = len[n];
    if (l !== 0) code[n] = reverseBits(next[l]++, l);
  }
}

/** The builder's scratch space and the two block costs it accumulates (reset by the block writer). */
export class TreeBuilder {
  private readonly heap = new Int32Array(HEAP_SIZE);
  private readonly depth = new Uint8Array(HEAP_SIZE);
  private readonly blCount = new Int32Array(MAX_BITS + 1);
  private heapLen = 0;
  private heapMax = 0;
  /** Bits of the block under the dynamic codes built so far (data only until the code-length tree is added). */
  optLen = 0;
  /** Bits of the block under the fixed codes. */
  staticLen = 0;

  /** Builds `t`'s code from its frequencies: lengths in t.len, codes in t.code, t.maxCode set. */
  build(t: Tree): void {
    const { freq, len, dad, elems, staticLens } = t;
    const heap = this.heap;
    const depth = this.depth;
    let maxCode = -1;
    this.heapLen = 0;
    this.heapMax = HEAP_SIZE;
    for (let n = 0; n < elems; n++) {
      if (freq[n] !== 0) {
        heap[++this.heapLen] = maxCode = n;
        depth[n] = 0;
      } else {
        len[n] = 0;
      }
    }
    // Deflate needs at least one distance code and a bit per code even when only one symbol occurs: gzip adds
    // symbols of frequency 1 (the lowest unused of 0 and 1, else 0) until there are two, and takes back the bit
    // it thereby counts.
    while (this.heapLen < 2) {
      const added = (heap[++this.heapLen] = maxCode < 2 ? ++maxCode : 0);
      freq[added] = 1;
      depth[added] = 0;
      this.optLen--;
      if (staticLens) this.staticLen -= staticLens[added];
    }
    t.maxCode = maxCode;
    for (let n = this.heapLen >> 1; n >= 1; n--) this.down(freq, n);
    let node = elems;
    do {
      const n = heap[1];
      heap[1] = heap[this.heapLen--];
      this.down(freq, 1);
      const m = heap[1];
      heap[--this.heapMax] = n;
      heap[--this.heapMax] = m;
      freq[node] = freq[n] + freq[m];
      depth[node] = (depth[n] >= depth[m] ? depth[n] : depth[m]) + 1;
      dad[n] = dad[m] = node;
      heap[1] = node++;
      this.down(freq, 1);
    } while (this.heapLen >= 2);
    heap[--this.heapMax] = heap[1];
    this.lengths(t);
    assignCodes(len, t.code, maxCode, this.blCount);
  }

  /** Restores the heap property from k down; equal frequencies: the shallower subtree is smaller. */
  private down(freq: Int32Array, k: number): void {
    const heap = this.heap;
    const depth = this.depth;
    const v = heap[k];
    let j = k << 1;
    while (j <= this.heapLen) {
      if (j < this.heapLen) {
        const a = heap[j + 1];
        const b = heap[j];
        if (freq[a] < freq[b] || (freq[a] === freq[b] && depth[a] <= depth[b])) j++;
      }
      const w = heap[j];
      if (freq[v] < freq[w] || (freq[v] === freq[w] && depth[v] <= depth[w])) break;
      heap[k] = w;
      k = j;
      j <<= 1;
    }
    heap[k] = v;
  }

  /** Code lengths from the tree, limited to t.maxLength the way gzip repairs an overlong tree; adds the costs. */
  private lengths(t: Tree): void {
    const { freq, len, dad, extra, extraBase, staticLens, maxLength } = t;
    const maxCode = t.maxCode;
    const heap = this.heap;
    const blCount = this.blCount;
    blCount.fill(0);
    let overflow = 0;
    // The root first: every node comes after its parent in heap[heapMax..].
    len[heap[this.heapMax]] = 0;
    let h: number;
    for (h = this.heapMax + 1; h < HEAP_SIZE; h++) {
      const n = heap[h];
      let bits = len[dad[n]] + 1;
      if (bits > maxLength) {
        bits = maxLength;
        overflow++;
      }
      len[n] = bits;
      if (n > maxCode) continue;
      blCount[bits]++;
      const xbits = extra && n >= extraBase ? extra[n - extraBase] : 0;
      const f = freq[n];
      this.optLen += f * (bits + xbits);
      if (staticLens) this.staticLen += f * (staticLens[n] + xbits);
    }
    if (overflow === 0) return;
    // Move a leaf from the deepest level with room down one level, as a brother of an overflowed leaf.
    do {
      let bits = maxLength - 1;
      while (blCount[bits] === 0) bits--;
      blCount[bits]--;
      blCount[bits + 1] += 2;
      blCount[maxLength]--;
      overflow -= 2;
    } while (overflow > 0);
    // Hand the lengths out again, longest to the least frequent (heap order), keeping the cost exact.
    for (let bits = maxLength; bits !== 0; bits--) {
      let n = blCount[bits];
      while (n !== 0) {
        const m = heap[--h];
        if (m > maxCode) continue;
        if (len[m] !== bits) {
          this.optLen += (bits - len[m]) * freq[m];
          len[m] = bits;
        }
        n--;
      }
    }
  }
}

const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

/** Counts the code-length symbols `t`'s lengths take (runs coded with 16, 17, 18) into `bl`. Sets scan's guard. */
export function scanLengths(t: Tree, bl: Tree): void {
  const len = t.len;
  const blFreq = bl.freq;
  const maxCode = t.maxCode;
  let prevlen = -1;
  let nextlen = len[0];
  let count = 0;
  let maxCount = 7;
  let minCount = 4;
  if (nextlen === 0) { maxCount = 138; minCount = 3; }
  len[maxCode + 1] = 0xffff;
  for (let n = 0; n <= maxCode; n++) {
    const curlen = nextlen;
    nextlen = len[n + 1];
    if (++count < maxCount && curlen === nextlen) continue;
    if (count < minCount) blFreq[curlen] += count;
    else if (curlen !== 0) {
      if (curlen !== prevlen) blFreq[curlen]++;
      blFreq[REP_3_6]++;
    } else if (count <= 10) blFreq[REPZ_3_10]++;
    else blFreq[REPZ_11_138]++;
    count = 0;
    prevlen = curlen;
    if (nextlen === 0) { maxCount = 138; minCount = 3; } else if (curlen === nextlen) { maxCount = 6; minCount = 3; } else { maxCount = 7; minCount = 4; }
  }
}

/** Writes `t`'s lengths in the code-length code `bl`, the same runs scanLengths counted. */
export function sendLengths(t: Tree, bl: Tree, out: BitSink): void {
  const len = t.len;
  const maxCode = t.maxCode;
  const send = (s: number) => out.bits(bl.code[s], bl.len[s]);
  let prevlen = -1;
  let nextlen = len[0];
  let count = 0;
  let maxCount = 7;
  let minCount = 4;
  if (nextlen === 0) { maxCount = 138; minCount = 3; }
  for (let n = 0; n <= maxCode; n++) {
    const curlen = nextlen;
    nextlen = len[n + 1];
    if (++count < maxCount && curlen === nextlen) continue;
    if (count < minCount) {
      do send(curlen); while (--count !== 0);
    } else if (curlen !== 0) {
      if (curlen !== prevlen) {
        send(curlen);
        count--;
      }
      send(REP_3_6);
      out.bits(count - 3, 2);
    } else if (count <= 10) {
      send(REPZ_3_10);
      out.bits(count - 3, 3);
    } else {
      send(REPZ_11_138);
      out.bits(count - 11, 7);
    }
    count = 0;
    prevlen = curlen;
    if (nextlen === 0) { maxCount = 138; minCount = 3; } else if (curlen === nextlen) { maxCount = 6; minCount = 3; } else { maxCount = 7; minCount = 4; }
  }
}
