/**
 * Bounded retries with exponential backoff and jitter, for what a registry or the network may do on a bad day:
 * 429 (honouring Retry-After), 5xx gateways and servers, connections reset or dropped. Anything else fails at once.
 */

/** Statuses worth another attempt. */
export const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

/** TLS verification failures: retrying cannot help, and the user must be told plainly. */
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME|HOSTNAME_MISMATCH/;

export function isTlsTrustError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  return TLS_CODES.test(code);
}

/** Network failures worth another attempt: resets, drops, timeouts, refused connections (a restarting server). */
export function isRetryableError(e: unknown): boolean {
  if (isTlsTrustError(e)) return false;
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  if (code === 'UND_ERR_ABORTED' || code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') return false;
  return /^(UND_ERR_|ECONN|EPIPE|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ERR_STREAM_PREMATURE_CLOSE)/.test(code) ||
    /other side closed|socket hang up|terminated|premature close/i.test((e as Error)?.message ?? '');
}

export function maxAttempts(given?: number): number {
  const env = Number(process.env.STOWAGE_RETRIES);
  if (given !== undefined) return Math.max(1, given);
  return Number.isInteger(env) && env > 0 ? env : 5;
}

/** Delay before attempt `n + 1` (n >= 1), in ms: base * 2^(n-1), jittered, capped at 10 s; Retry-After wins. */
export function backoff(n: number, retryAfter?: string | string[]): number {
  const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  if (ra !== undefined && /^\d+$/.test(ra)) return Math.min(Number(ra) * 1000, 10_000);
  const base = Number(process.env.STOWAGE_RETRY_DELAY_MS ?? 250);
  return Math.min(base * 2 ** (n - 1) * (0.5 + Math.random()), 10_000);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A short, credential-free description of a network error. */
export function describeNetError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  // System and undici codes are upper case (ECONNRESET, UND_ERR_SOCKET); a StowageError's code (lower case) is not news.
  const code = err?.code && /^[A-Z][A-Z0-9_]+$/.test(err.code) && !String(err.message).includes(err.code) ? ` (${err.code})` : '';
  return `${err?.message ?? String(e)}${code}`.replace(/\s+/g, ' ');
}
