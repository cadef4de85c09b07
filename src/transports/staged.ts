/** A staged write whose commit is one step and whose result does not change at the commit (most destinations). */
import type { StagedWrite, WriteResult } from './contract.js';

export function stagedWrite(result: WriteResult, commit: () => Promise<unknown>, abort: () => Promise<void>): StagedWrite {
  return {
    result,
    commit: async () => {
      await commit();
      return result;
    },
    abort,
  };
}
