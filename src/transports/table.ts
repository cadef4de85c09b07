/**
 * The one table of transports: each place an image can live, as its folder's entry (`<folder>/entry.ts`: its names
 * as the user writes them, its source opener, its destination stager and what the destination accepts). Sources and
 * destinations are parsed (spec.ts, dest.ts), opened (open.ts) and written (dest.ts) through this table, and ops ask
 * a destination what it accepts instead of testing its name. Adding a transport: a folder with its entry, and a line
 * here.
 */
import { sniffStream } from '../compress/sniff-stream.js';
import type { DestAccepts, DestKind, SourceEntry, Transport, TransportEntry } from './contract.js';
import { dockerArchive } from './docker-archive/entry.js';
import { dockerDaemon } from './docker-daemon/entry.js';
import { ociArchive, ociLayout } from './oci-layout/entry.js';
import { patchDelta } from './patch-delta/entry.js';
import { registry } from './registry/entry.js';
import { openTreeSource } from './tree-source.js';

export type { DestAccepts, DestKind, Transport, TransportEntry };

// `docker save | gzip | stowage ... -`: a compressed archive is decompressed on the way in, as from a file.
const stdinStream: NonNullable<SourceEntry['stream']> = async (_spec, opts) => {
  const { kind, chunks } = await sniffStream(opts.stdin ?? (process.stdin as AsyncIterable<Buffer>), 'standard input');
  return { chunks, label: kind === 'gzip' || kind === 'zstd' ? `standard input (${kind})` : 'standard input' };
};
const stdin: TransportEntry = { transport: 'stdin', source: { open: (spec, opts) => openTreeSource(spec, opts, stdinStream), stream: stdinStream } };
/** A bare path: a file or a directory, its format sniffed. */
const auto: TransportEntry = { transport: 'auto', source: { open: (spec, opts) => openTreeSource(spec, opts) } };

/** In the order a mistyped prefix is matched against (suggest.ts). Tests may add an entry (`registerTransport`). */
const entries: TransportEntry[] = [dockerDaemon, dockerArchive, ociArchive, ociLayout, registry, patchDelta, stdin, auto];
export const TRANSPORTS: readonly TransportEntry[] = entries;

/**
 * Adds a transport at run time (a plugin, or a test's toy transport), before the bare-path fallback so its prefix
 * is matched. Its prefix must be new.
 */
export function registerTransport(e: TransportEntry): void {
  if (e.prefix && entries.some((x) => x.prefix === e.prefix)) throw new Error(`a transport with the prefix ${e.prefix} exists`);
  entries.splice(entries.length - 2, 0, e);
}

/** The transports with no prefix that claim a bare path or standard input by its content (a patch delta). */
export function claimingEntries(): TransportEntry[] {
  return entries.filter((e) => e.source.claims || e.source.claimsAll);
}

export function transportEntry(t: Transport): TransportEntry {
  const e = entries.find((x) => x.transport === t);
  if (!e) throw new Error(`no transport ${t}`);
  return e;
}

/** What a destination accepts. */
export function accepts(dest: { kind: DestKind }): DestAccepts {
  const d = transportEntry(dest.kind).dest;
  if (!d) throw new Error(`${dest.kind} is not a destination`);
  return d.accepts;
}

/** Whether a source is read as one stream (standard input, an engine's export) rather than a file or a registry. */
export function isStreamSource(t: Transport): boolean {
  return transportEntry(t).source.stream !== undefined;
}

/** Whether a destination stores an OCI manifest in this docker-archive layout. */
export function storesManifest(a: DestAccepts, layout: 'legacy' | 'oci'): boolean {
  return a.manifest === 'always' || layout === 'oci';
}

/** Whether every blob digest must be known before writing to this destination in this layout. */
export function needsBlobDigests(a: DestAccepts, layout: 'legacy' | 'oci' | undefined): boolean {
  return a.blobDigests === 'always' || (a.blobDigests === 'oci-layout' && layout === 'oci');
}

/** The destination a --format value names (docker, docker-archive, oci, oci-archive), if any. */
export function kindForFormat(name: string): DestKind | undefined {
  return entries.find((e) => e.formatNames?.includes(name))?.transport as DestKind | undefined;
}

/** The --format values, for messages: "docker, oci or oci-archive". */
export const FORMAT_CHOICES = 'docker, oci or oci-archive';

/** What a SOURCE argument may be, for every command's --help, from the entries' help lines. */
export function sourceHelp(): string {
  const forms = entries.flatMap((e) => (e.help ? [e.help.form] : []));
  return `an archive or OCI layout path, ${forms.join(', ')}, or - for standard input; PATH:NAME:TAG or PATH:@N picks one image`;
}

/**
 * The destination a bare path names when no format is given: a docker archive when a docker-archive layout was
 * asked for; otherwise the source's format, except that a name ending in .tar is a file (an OCI archive for an OCI
 * layout source), never a layout directory; a docker archive for an engine or a registry source.
 */
export function defaultDestKind(sourceFormat: string, destText: string, layoutGiven = false): DestKind {
  if (layoutGiven) return 'docker-archive';
  if (sourceFormat === 'oci-layout') return /\.tar$/.test(destText) ? 'oci-archive' : 'oci';
  if (sourceFormat === 'oci-archive') return 'oci-archive';
  return 'docker-archive';
}
