import { createHash } from 'node:crypto';
import { StowageError } from '../errors.js';

/** A content digest in its canonical form, `sha256:<64 lowercase hex>`. */
export type Digest = `sha256:${string}`;

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const HEX_RE = /^[a-f0-9]{64}$/;

export function isDigest(s: unknown): s is Digest {
  return typeof s === 'string' && DIGEST_RE.test(s);
}

export function isHex64(s: string): boolean {
  return HEX_RE.test(s);
}

/** Validates a digest found in untrusted input; `what` names where it came from for the error. */
export function parseDigest(s: unknown, what: string): Digest {
  if (isDigest(s)) return s;
  if (typeof s === 'string' && /^[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(s) && !s.startsWith('sha256:')) {
    throw new StowageError(`${what}: unsupported digest algorithm in ${JSON.stringify(s.slice(0, 80))} (only sha256 is supported)`, { code: 'unsupported' });
  }
  throw new StowageError(`${what}: not a sha256 digest: ${JSON.stringify(String(s).slice(0, 80))}`);
}

export function sha256(data: Buffer | string): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(d: Digest): string {
  return d.slice(7);
}

/** Where a blob lies in an OCI layout, a Docker 25+ archive and a patch delta: `blobs/sha256/<hex>`. */
export function blobPath(d: Digest): string {
  return `blobs/sha256/${hexOf(d)}`;
}

export function shortId(d: Digest): string {
  return d.slice(7, 19);
}
