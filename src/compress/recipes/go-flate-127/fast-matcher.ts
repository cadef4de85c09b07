/**
 * What Go 1.27's six level matchers (fastEncL1-6) do alike before they match: each block is appended to the
 * history (rebasing the tables first when `cur` nears overflow, Go's wraparound guard), and a block of fewer than
 * 13 bytes is marked all literals without tokens. Each level says which tables it rebases and how it matches.
 */
import { History } from './history.js';
import type { Tokens } from './tokens.js';

/** Matching stops this many bytes before the end of the history (Go's inputMargin, 12 - 1). */
export const INPUT_MARGIN = 11;
const MIN_NON_LITERAL_BLOCK = 1 + 1 + INPUT_MARGIN;

export abstract class FastMatcher {
  readonly hist = new History();

  /** Matches the n bytes gathered at the end of the history (History.commit) into dst. */
  abstract encode(dst: Tokens, n: number): void;

  /** Brings the level's table entries down with `cur` (History.rebase, with whatever the level's tables need first). */
  protected abstract rebase(): void;

  /** Takes the block into the history; returns where matching starts, or -1 when it is too short to match. */
  protected begin(dst: Tokens, n: number): number {
    const h = this.hist;
    if (h.needsRebase()) this.rebase();
    const s = h.commit(n);
    if (n < MIN_NON_LITERAL_BLOCK) {
      // Go marks the block as all literals without making tokens; its caller never gets here with so few bytes.
      dst.n = n;
      return -1;
    }
    return s;
  }
}
