/**
 * The one table of transports: each place an image can live, with its names as the user writes them, its source
 * opener and its destination writer, and what the destination accepts. Sources and destinations are parsed
 * (spec.ts, dest.ts), opened (open.ts) and written (dest.ts) through this table, and ops ask a destination what it
 * accepts instead of testing its name. Adding a transport: a folder of its own with its reader and writer, and an
 * entry here.
 */
import { UsageError } from '../errors.js';
import type { ImageSource } from '../image/model.js';
import type { WritableImage } from '../image/writable.js';
import { loadIntoEngine, exportStream } from './docker-daemon/load.js';
import { writeDockerArchiveFile } from './docker-archive/dest.js';
import { writeOciArchive, writeOciDir } from './oci-layout/dest.js';
import { pushDest } from './registry/dest.js';
import { openRegistrySource } from './registry/source.js';
import { openTreeSource, type OpenOptions } from './open.js';
import type { SourceSpec } from './spec.js';
import { sniffStream } from '../compress/sniff-stream.js';
import type { DestSpec, WriteOptions, WriteResult } from './dest.js';

/** A destination's name in dest.ts and the reports (`written.format`). */
export type DestKind = 'docker-archive' | 'oci' | 'oci-archive' | 'docker-daemon' | 'docker';
/** A source's transport: the destinations' plus standard input and `auto` (a bare path, sniffed). */
export type Transport = 'auto' | 'stdin' | DestKind;

/** What a destination takes, stated once so ops and the CLI ask it rather than test its name. */
export interface DestAccepts {
  /** Where the bytes go: a file (or '-', standard output), a directory, an engine, a registry. */
  shape: 'file' | 'dir' | 'engine' | 'registry';
  /** It is sent a docker save archive, in the legacy or the Docker 25+ layout (--layout). */
  dockerArchive: boolean;
  /** It stores an OCI manifest: always, only in the Docker 25+ layout, or (a registry: made as it pushes) always. */
  manifest: 'always' | 'oci-layout';
  /** It takes an image with layers left out (thin): an engine that holds them fills them in. */
  thin: boolean;
  /** Every layer's blob digest must be known before writing starts (its manifest names them): always, or in the Docker 25+ layout only; a registry learns them as it uploads. */
  blobDigests: 'always' | 'oci-layout' | 'never';
  /** It compresses the uncompressed layers it is sent (a registry: gzip or zstd). */
  compresses: boolean;
  /** It checks what it is sent itself (a registry verifies each blob's digest), so the writer need not prove the layers. */
  checksBlobs: boolean;
  /** An existing destination takes new entries beside the old ones (an OCI layout) instead of being replaced. */
  addsEntries: boolean;
  /** A tag in the destination name is the image's NAME:TAG (docker) rather than an OCI ref name. */
  tagIsImageName: boolean;
}

export interface TransportEntry {
  transport: Transport;
  /** The prefix the user writes (`oci:`), if any. */
  prefix?: string;
  /** What follows the prefix names an image (an engine's or a registry's reference), not a path. */
  namesReference?: boolean;
  /** --format values that name this destination for a bare path. */
  formatNames?: string[];
  source: {
    open(spec: SourceSpec, opts: OpenOptions): Promise<ImageSource>;
    /**
     * The docker save stream of a source that is one (standard input, an engine's export), for one-pass readers,
     * with the label that names it in messages.
     */
    stream?(spec: SourceSpec, opts: { stdin?: AsyncIterable<Buffer> }): Promise<{ chunks: AsyncIterable<Buffer>; label: string }>;
  };
  dest?: {
    accepts: DestAccepts;
    /** Parses what follows the prefix, when it is not `PATH[:TAG]`. */
    name?(rest: string, text: string): DestSpec;
    write(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<WriteResult>;
  };
}

const FILE_ARCHIVE: DestAccepts = {
  shape: 'file', dockerArchive: true, manifest: 'oci-layout', thin: true, blobDigests: 'oci-layout',
  compresses: false, checksBlobs: false, addsEntries: false, tagIsImageName: true,
};
const treeSource = { open: (spec: SourceSpec, opts: OpenOptions) => openTreeSource(spec, opts) };

/** In the order a mistyped prefix is matched against (suggest.ts). */
export const TRANSPORTS: readonly TransportEntry[] = [
  {
    transport: 'docker-daemon',
    prefix: 'docker-daemon:',
    namesReference: true,
    source: { ...treeSource, stream: async (spec) => ({ chunks: await exportStream(spec.path), label: spec.text }) },
    dest: {
      accepts: { ...FILE_ARCHIVE, shape: 'engine' },
      // docker-daemon: alone loads the images under their own tags; docker-daemon:NAME:TAG tags the one image.
      name: (rest, text) => (rest ? { kind: 'docker-daemon', path: '', tag: rest, text } : { kind: 'docker-daemon', path: '', text }),
      write: (d, i, o) => loadIntoEngine(d, i, o),
    },
  },
  {
    transport: 'docker-archive',
    prefix: 'docker-archive:',
    formatNames: ['docker', 'docker-archive'],
    source: treeSource,
    dest: { accepts: FILE_ARCHIVE, write: (d, i, o) => writeDockerArchiveFile(d, i, o) },
  },
  {
    transport: 'oci-archive',
    prefix: 'oci-archive:',
    formatNames: ['oci-archive'],
    source: treeSource,
    dest: {
      accepts: { ...FILE_ARCHIVE, dockerArchive: false, manifest: 'always', thin: false, blobDigests: 'always', tagIsImageName: false },
      write: (d, i, o) => writeOciArchive(d, i, o),
    },
  },
  {
    transport: 'oci',
    prefix: 'oci:',
    formatNames: ['oci'],
    source: treeSource,
    dest: {
      accepts: { ...FILE_ARCHIVE, shape: 'dir', dockerArchive: false, manifest: 'always', thin: false, blobDigests: 'always', addsEntries: true, tagIsImageName: false },
      write: (d, i, o) => writeOciDir(d, i, o),
    },
  },
  {
    transport: 'docker',
    prefix: 'docker://',
    namesReference: true,
    source: { open: (spec, opts) => openRegistrySource(spec.text, spec.path, opts.registry) },
    dest: {
      accepts: { shape: 'registry', dockerArchive: false, manifest: 'always', thin: false, blobDigests: 'never', compresses: true, checksBlobs: true, addsEntries: false, tagIsImageName: true },
      name: (rest, text) => {
        const ref = rest.replace(/^\/\//, '');
        if (!ref) throw new UsageError('docker:// needs an image reference, for example docker://registry.example.com/app:1');
        return { kind: 'docker', path: ref, text };
      },
      write: (d, i, o) => pushDest(d, i, o),
    },
  },
  // `docker save | gzip | stowage ... -`: a compressed archive is decompressed on the way in, as from a file.
  { transport: 'stdin', source: { ...treeSource, stream: (_spec, opts) => stdinStream(opts.stdin) } },
  { transport: 'auto', source: treeSource },
];

async function stdinStream(stdin?: AsyncIterable<Buffer>): Promise<{ chunks: AsyncIterable<Buffer>; label: string }> {
  const { kind, chunks } = await sniffStream(stdin ?? (process.stdin as AsyncIterable<Buffer>), 'standard input');
  return { chunks, label: kind === 'gzip' || kind === 'zstd' ? `standard input (${kind})` : 'standard input' };
}

export function transportEntry(t: Transport): TransportEntry {
  const e = TRANSPORTS.find((x) => x.transport === t);
  if (!e) throw new Error(`no transport ${t}`);
  return e;
}

/** What a destination accepts. */
export function accepts(dest: { kind: DestKind }): DestAccepts {
  return transportEntry(dest.kind).dest!.accepts;
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
  return TRANSPORTS.find((e) => e.formatNames?.includes(name))?.transport as DestKind | undefined;
}

/** The --format values, for messages: "docker, oci or oci-archive". */
export const FORMAT_CHOICES = 'docker, oci or oci-archive';

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
