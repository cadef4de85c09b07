/**
 * The time an edit records, as the CLI chooses it: a `--created` the request sets, else $SOURCE_DATE_EPOCH
 * (reproducible builds, https://reproducible-builds.org/specs/source-date-epoch/), else none, and the library takes
 * the current time. Only the CLI reads the environment; the ops take the time as their `now` option.
 */
import { requestedTime, type EditRequest } from '../image/config-edit.js';

/** `{ now }` for an op's options, or nothing when the library's default (the current time) applies. */
export function editNow(req: EditRequest | undefined, env: NodeJS.ProcessEnv = process.env): { now?: string } {
  const now = requestedTime(req) ?? sourceDateEpoch(env);
  return now ? { now } : {};
}

/** $SOURCE_DATE_EPOCH as an RFC 3339 time; unset or not a whole number of seconds: undefined, as before. */
function sourceDateEpoch(env: NodeJS.ProcessEnv): string | undefined {
  const sde = env.SOURCE_DATE_EPOCH;
  if (!sde || !/^\d+$/.test(sde)) return undefined;
  return new Date(Number(sde) * 1000).toISOString().replace('.000Z', 'Z');
}
