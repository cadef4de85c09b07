/**
 * Finding the recipe of a gzip blob in one read of it: the blob is hashed (it must be the digest it is stored
 * under), decompressed, and the uncompressed bytes are fed to every candidate the header allows at once; each
 * candidate's output is compared with the blob as both advance, so a wrong candidate is dropped at its first
 * differing byte (usually within its first block) and reading stops as soon as none is left. A candidate is the
 * recipe only if its whole output equals the whole blob, whose sha256 is the digest. Memory stays bounded: only the
 * stretch of the blob between the slowest live candidate and the read position is kept (a correct encoder is at
 * most a block behind), capped at MAX_RETAINED.
 */
import { createHash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { StowageError } from '../../errors.js';
import { recipeCandidates } from './candidates.js';
import { type Recipe, describeRecipe } from './recipe.js';
import { recipeWriter } from './by-recipe.js';

const MAX_RETAINED = 32 << 20;
/** Output a candidate may make ahead of the bytes read so far (a correct one is at most a few bytes ahead). */
const MAX_AHEAD = 4 << 20;

export interface RecipeTrial { recipe: Recipe; result: string }

export interface RecipeFinding {
  /** The recipe that reproduces the blob, or null. */
  recipe: Recipe | null;
  /** What the header says (who made it), or why nothing reproduces it. */
  reason: string;
  trials: RecipeTrial[];
  /** Bytes of the blob read (all of it when a recipe was found). */
  blobBytesRead: number;
  uncompressedBytes: number;
}

interface Trial {
  recipe: Recipe;
  writer: ReturnType<typeof recipeWriter>;
  /** Bytes of this candidate's output confirmed equal to the blob. */
  confirmed: number;
  ahead: Uint8Array[];
  aheadBytes: number;
  failed?: string;
}

/**
 * Looks for the recipe of the blob `blob` (read once, no further than needed). `digest` is what it is stored under
 * ("sha256:..."); `what` names it in errors.
 */
export async function findRecipe(blob: AsyncIterable<Uint8Array>, digest: string, what: string): Promise<RecipeFinding> {
  const expected = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (!expected) throw new StowageError(`${what}: digest ${JSON.stringify(digest.slice(0, 80))} is not sha256:<64 hex digits>`);
  const source = blob[Symbol.asyncIterator]();
  // The header decides the candidates before anything is decompressed.
  const first: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < 10) {
    const r = await source.next();
    if (r.done) break;
    first.push(r.value);
    headBytes += r.value.length;
  }
  const head = Buffer.concat(first);
  const { candidates, why } = recipeCandidates(head);
  if (candidates.length === 0) {
    await source.return?.();
    return { recipe: null, reason: why, trials: [], blobBytesRead: head.length, uncompressedBytes: 0 };
  }

  const hash = createHash('sha256');
  const kept: Uint8Array[] = [];
  let keptStart = 0;
  let readEnd = 0;
  const trials: Trial[] = [];
  const live = () => trials.filter((t) => !t.failed);

  /** Compares what a candidate made beyond its confirmed bytes with the blob read so far. */
  const check = (t: Trial) => {
    while (!t.failed && t.ahead.length > 0 && t.confirmed < readEnd) {
      const out = t.ahead[0];
      let o = 0;
      // Walk the kept chunks from the candidate's position.
      let base = keptStart;
      let k = 0;
      while (base + kept[k].length <= t.confirmed) base += kept[k++].length;
      while (o < out.length && t.confirmed < readEnd) {
        const chunk = kept[k];
        const at = t.confirmed - base;
        const n = Math.min(out.length - o, chunk.length - at);
        for (let i = 0; i < n; i++) {
          if (out[o + i] !== chunk[at + i]) {
            t.failed = `differs at byte ${t.confirmed + i}`;
            return;
          }
        }
        o += n;
        t.confirmed += n;
        t.aheadBytes -= n;
        if (at + n === chunk.length) base += kept[k++].length;
      }
      if (o === out.length) t.ahead.shift();
      else t.ahead[0] = out.subarray(o);
    }
    if (!t.failed && t.aheadBytes > MAX_AHEAD) t.failed = `makes more than ${MAX_AHEAD >> 20} MiB the blob does not have`;
  };
  for (const recipe of candidates) {
    const t: Trial = { recipe, confirmed: 0, ahead: [], aheadBytes: 0, writer: undefined as never };
    t.writer = recipeWriter(recipe, (bytes) => {
      if (t.failed) return;
      t.ahead.push(bytes);
      t.aheadBytes += bytes.length;
      check(t);
    });
    trials.push(t);
  }
  /** Drops blob bytes every live candidate has passed. */
  const trim = () => {
    const low = Math.min(...live().map((t) => t.confirmed), readEnd);
    while (kept.length > 0 && keptStart + kept[0].length <= low) keptStart += kept.shift()!.length;
    if (readEnd - keptStart > MAX_RETAINED) {
      const slowest = live().reduce((a, b) => (a.confirmed <= b.confirmed ? a : b));
      slowest.failed = `fell more than ${MAX_RETAINED >> 20} MiB behind the blob`;
      trim();
    }
  };

  let total = 0;
  async function* compressed(): AsyncGenerator<Uint8Array> {
    try {
      for (const c of first) yield take(c);
      for (;;) {
        const r = await source.next();
        if (r.done) return;
        yield take(r.value);
      }
    } finally {
      // Reading stops early when every candidate has dropped out: close the blob's stream too.
      await source.return?.();
    }
  }
  function take(c: Uint8Array): Uint8Array {
    hash.update(c);
    kept.push(c);
    readEnd += c.length;
    for (const t of live()) check(t);
    trim();
    return c;
  }

  const gunzip = createGunzip();
  const plain = pipeline(Readable.from(compressed()), gunzip, () => { /* errors surface in the loop below */ });
  try {
    for await (const chunk of plain as AsyncIterable<Buffer>) {
      total += chunk.length;
      for (const t of live()) t.writer.write(chunk);
      trim();
      if (live().length === 0) break;
    }
  } catch (e) {
    throw new StowageError(`${what}: not a readable gzip stream (${(e as Error).message.split('\n')[0]})`);
  } finally {
    plain.destroy();
  }
  const report = (reason: string, recipe: Recipe | null = null): RecipeFinding => ({
    recipe, reason, blobBytesRead: readEnd, uncompressedBytes: total,
    trials: trials.map((t) => ({ recipe: t.recipe, result: t.failed ?? (recipe === t.recipe ? 'reproduces the blob' : 'reproduces the blob too') })),
  });
  if (live().length === 0) return report(`${why}, but no candidate reproduces it`);

  const actual = hash.digest('hex');
  if (actual !== expected[1]) throw new StowageError(`${what}: its bytes hash to sha256:${actual}, not ${digest}`);
  for (const t of live()) {
    t.writer.end();
    check(t);
    if (!t.failed && (t.confirmed !== readEnd || t.aheadBytes > 0)) t.failed = t.confirmed < readEnd ? `ends at byte ${t.confirmed} of ${readEnd}` : 'goes on past the end of the blob';
  }
  const winner = trials.find((t) => !t.failed);
  return winner ? report(`${why}: reproduced by ${describeRecipe(winner.recipe)}`, winner.recipe) : report(`${why}, but no candidate reproduces it`);
}
