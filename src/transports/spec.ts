/**
 * Parsing the names of image sources and destinations as given on the command line:
 *   PATH                          a file (sniffed: docker-archive or OCI archive) or a directory (OCI layout, or an
 *                                 unpacked docker save); PATH:NAME[:TAG] or PATH:@N picks one image
 *   -                             standard input (a tar stream)
 *   docker-archive:PATH[:NAME[:TAG]|:@N]
 *   oci:DIR[:TAG]                 an OCI image layout
 *   oci-archive:PATH[:TAG]        an OCI layout in a tar
 *   docker-daemon:NAME[:TAG]      a Docker engine, through its API
 *   docker://REF                  a registry
 */
import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { SourceSpec, Transport } from './contract.js';
import { TRANSPORTS } from './table.js';

export type { Transport };

export type { SourceSpec };

/** Splits `PATH[:SELECTOR]`: a path that exists is taken whole; otherwise the selector starts at the first colon. */
function splitSelector(rest: string): { path: string; ref?: string; position?: number } {
  if (!rest.includes(':') || existsSync(rest)) return { path: rest };
  const i = rest.indexOf(':');
  const path = rest.slice(0, i);
  const sel = rest.slice(i + 1);
  if (sel.startsWith('@')) {
    const n = Number(sel.slice(1));
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`invalid image position ${JSON.stringify(sel)}: expected @0, @1, ...`);
    return { path, position: n };
  }
  if (sel === '') return { path };
  return { path, ref: sel };
}

/**
 * The transport a name's prefix says (`docker://`, `docker-daemon:`, ...) and what follows it, without checking the
 * rest; undefined for a bare path or `-`. The one place prefixes are matched: commands and ops ask this.
 */
export function splitPrefix(text: string): { transport: Transport; rest: string } | undefined {
  const e = TRANSPORTS.find((x) => x.prefix && text.startsWith(x.prefix));
  return e ? { transport: e.transport, rest: text.slice(e.prefix!.length) } : undefined;
}

/** The transport a source or destination name uses: its prefix's, or 'auto' for a bare path ('stdin' for -). */
export function transportOf(text: string): Transport {
  return text === '-' ? 'stdin' : (splitPrefix(text)?.transport ?? 'auto');
}

export function parseSourceSpec(text: string): SourceSpec {
  if (text === '-') return { transport: 'stdin', path: '-', text };
  for (const { prefix, transport, namesReference } of TRANSPORTS) {
    if (!prefix || !text.startsWith(prefix)) continue;
    const rest = text.slice(prefix.length);
    if (namesReference) {
      if (!rest) throw new UsageError(`${prefix} needs an image name, for example ${prefix}app:latest`);
      return { transport, path: rest, text };
    }
    if (!rest) throw new UsageError(`${prefix} needs a path`);
    if (rest === '-') return { transport: 'stdin', path: '-', text };
    return { transport, ...splitSelector(rest), text };
  }
  return { transport: 'auto', ...splitSelector(text), text };
}
