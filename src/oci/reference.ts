/**
 * Image references with docker's rules: `[DOMAIN/]PATH[:TAG][@DIGEST]`, where a first component without a dot or
 * a colon (and not `localhost`) is not a domain, the default domain is docker.io, and single-component names on
 * docker.io live under `library/`.
 */
import { UsageError } from '../errors.js';
import { isDigest, type Digest } from './digest.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;

export interface Reference {
  domain: string;
  /** The repository path inside the domain, e.g. `library/alpine`. */
  path: string;
  tag?: string;
  digest?: Digest;
}

function validDomain(d: string): boolean {
  if (d.startsWith('[')) return /^\[[0-9a-fA-F:]+\](?::\d+)?$/.test(d); // IPv6 literal
  const [host, port, ...more] = d.split(':');
  if (more.length || (port !== undefined && !/^\d+$/.test(port))) return false;
  return host!.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

export function parseReference(s: string): Reference {
  const bad = (why: string): never => {
    throw new UsageError(`invalid image reference ${JSON.stringify(s)}: ${why}`);
  };
  if (!s) bad('empty');
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) bad('the digest must be sha256:<64 hex digits>');
    digest = d as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) bad(`invalid tag ${JSON.stringify(tag)}`);
  }
  if (rest.length > 255) bad('the name is longer than 255 characters');
  const parts = rest.split('/');
  let domain = DEFAULT_DOMAIN;
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    if (!validDomain(first)) bad(`invalid registry ${JSON.stringify(first)}`);
    domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
    parts.shift();
  }
  if (parts.length === 0 || parts.some((p) => p === '')) bad('empty path component');
  for (const p of parts) {
    if (p !== p.toLowerCase()) bad('the repository name must be lowercase');
    if (!COMPONENT.test(p)) bad(`invalid path component ${JSON.stringify(p)}`);
  }
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift('library');
  const ref: Reference = { domain, path: parts.join('/') };
  if (tag) ref.tag = tag;
  if (digest) ref.digest = digest;
  return ref;
}

/** The repository name in full: `docker.io/library/alpine`. */
export function repositoryName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** The short form docker prints: `alpine`, `user/app`, `localhost:5000/app`. */
export function familiarName(r: Reference): string {
  if (r.domain !== DEFAULT_DOMAIN) return `${r.domain}/${r.path}`;
  return r.path.startsWith('library/') && r.path.split('/').length === 2 ? r.path.slice(8) : r.path;
}

export function formatReference(r: Reference, familiar = true): string {
  let s = familiar ? familiarName(r) : repositoryName(r);
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

/** A reference with `latest` as its tag when it has neither tag nor digest, as docker does. */
export function withDefaultTag(r: Reference): Reference {
  return r.tag || r.digest ? r : { ...r, tag: 'latest' };
}

/** Normalises a `NAME[:TAG]` string to docker's familiar form with a tag (`app` -> `app:latest`). */
export function normalizeTag(s: string): string {
  return formatReference(withDefaultTag(parseReference(s)));
}

/** True when two tag strings name the same repository and tag after normalisation. */
export function sameTag(a: string, b: string): boolean {
  try {
    return normalizeTag(a) === normalizeTag(b);
  } catch {
    return a === b;
  }
}
