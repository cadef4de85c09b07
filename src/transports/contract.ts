/**
 * The transport contract: the types every place an image can live shares with the table, the pipeline and the ops.
 * A leaf: it imports nothing but types from image/, oci/ and the registry's option types, so a transport folder,
 * the table (table.ts), the write pipeline (dest.ts) and the source opener (open.ts) all import it and never each
 * other in a loop (`npm run check-cycles`).
 *
 * Writing is in three steps, and only the pipeline (dest.ts `writeImages`) decides their order:
 *   stage   the destination writes everything under names nobody reads yet (temporary files, uploaded blobs, a
 *           load request not yet ended);
 *   prove   the pipeline awaits the proof of every layer it wrote or referenced (digest, size, DiffID);
 *   commit  the destination makes it visible (rename; index.json merged under its lock; the manifest PUT last;
 *           the load request ended), or `abort` drops what was staged.
 * A destination never sees the proof: it cannot forget it.
 */
import type { Digest } from '../oci/digest.js';
import type { ImageSource } from '../image/model.js';
import type { WritableImage } from '../image/writable.js';
import type { PushOptions, PushResult, RegistryOptions } from './registry/options.js';

/** A destination's name in the reports (`written.format`); a transport registered at run time adds its own. */
export type DestKind = 'docker-archive' | 'oci' | 'oci-archive' | 'docker-daemon' | 'docker' | (string & {});
/** A source's transport: the destinations' plus standard input and `auto` (a bare path, sniffed). */
export type Transport = 'auto' | 'stdin' | DestKind;

export interface SourceSpec {
  transport: Transport;
  /** The file or directory (or, for docker-daemon and docker, the reference). */
  path: string;
  /** Selects an image by tag (docker-archive: NAME:TAG; OCI: the ref name). */
  ref?: string;
  /** Selects an image by position (0-based), docker-archive only. */
  position?: number;
  /** The text as given. */
  text: string;
}

export interface DestSpec {
  kind: DestKind;
  path: string;
  /** A tag given with the destination name (replaces the images' tags; one image only). */
  tag?: string;
  text: string;
}

export interface OpenOptions {
  /** Standard input, or any stream standing in for it. */
  stdin?: AsyncIterable<Buffer>;
  /** Called as a one-pass stream goes by, for progress. */
  onFile?: (path: string, size: number) => void;
  /** Whether a one-pass stream should hash its layers as they pass (verify does; inspect need not). */
  digest?: boolean;
  /**
   * The operation reads layer bytes after the documents (edit, export, copy): a stream is then spooled to a
   * temporary file first (removed on close) instead of being read in one pass.
   */
  seekable?: boolean;
  /** Credentials, TLS and retry settings for a `docker://` source. */
  registry?: RegistryOptions;
  /**
   * Sources that are not images to read but inputs an operation works on as such (a patch delta: apply, inspect,
   * verify, check, report), which this operation takes. Any other operation given one is told what takes it.
   */
  also?: Transport[];
}

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
  /** An existing destination takes new entries beside the old ones (an OCI layout) instead of being replaced. */
  addsEntries: boolean;
  /** A tag in the destination name is the image's NAME:TAG (docker) rather than an OCI ref name. */
  tagIsImageName: boolean;
}

/** A tag a load into the engine set: the image it named before (null: none) and after, as the engine reports IDs. */
export interface EngineTagMove {
  tag: string;
  before: string | null;
  after: string | null;
}

export interface OmittedLayer {
  diffId: Digest;
  chainId: Digest;
  size: number;
  image: string;
}

export interface WriteOptions {
  /** For docker-archive destinations: the legacy layout (default) or the Docker 25+ OCI-plus-manifest.json one. */
  layout?: 'legacy' | 'oci';
  /** Decides whether a layer's bytes go in a docker archive (default: when the source has them): a thin archive. */
  include?: (img: WritableImage, index: number, chainId: Digest) => boolean;
  /** Extra small files to store beside the images (a thin archive's stowage metadata). */
  extraFiles?: Record<string, Buffer>;
  /** Called after each layer is written, with its stored size (for progress). */
  onLayer?: (bytes: number) => void;
  /** For docker:// destinations: credentials, TLS, compression, parallelism, mounts. */
  push?: PushOptions;
  /**
   * false (`--no-verify`): the pipeline proves nothing but byte counts. The only opt-out; by default every layer
   * written or referenced is proved against its digest, size and the config's DiffID before anything is committed.
   */
  verify?: boolean;
}

export interface WriteResult {
  layersWritten: number;
  layerBytes: number;
  omitted: OmittedLayer[];
  bytes: number;
  push?: PushResult;
  tagged?: EngineTagMove[];
  loaded?: string[];
}

/** What a destination returns from staging: nothing visible yet, until the pipeline commits. */
export interface StagedWrite {
  result: WriteResult;
  /** Makes the output visible (and completes the result: the engine's tags, the pushed digest). */
  commit(): Promise<WriteResult>;
  /** Drops what was staged; never throws. */
  abort(): Promise<void>;
}

export interface DestinationEntry {
  accepts: DestAccepts;
  /** Parses what follows the prefix, when it is not `PATH[:TAG]`. */
  name?(rest: string, text: string): DestSpec;
  /**
   * Writes the images under names nobody reads yet; a failure here must have removed what it wrote (the pipeline
   * calls `abort` only on a staged write).
   */
  stage(dest: DestSpec, images: WritableImage[], opts: WriteOptions): Promise<StagedWrite>;
}

export interface SourceEntry {
  open(spec: SourceSpec, opts: OpenOptions): Promise<ImageSource>;
  /**
   * A source with no prefix, told by its content: whether a bare path or standard input is one (tried before the
   * file-tree formats; never throws). Standard input is asked only by an operation that takes this transport.
   */
  claims?(spec: SourceSpec, opts: OpenOptions): Promise<boolean>;
  /** Whether several arguments together are one source of this transport (a bundle's parts), and opening them. */
  claimsAll?(texts: string[]): Promise<boolean>;
  openAll?(texts: string[], opts: OpenOptions): Promise<ImageSource>;
  /**
   * The docker save stream of a source that is one (standard input, an engine's export), for one-pass readers,
   * with the label that names it in messages.
   */
  stream?(spec: SourceSpec, opts: { stdin?: AsyncIterable<Buffer> }): Promise<{ chunks: AsyncIterable<Buffer>; label: string }>;
}

export interface TransportEntry {
  transport: Transport;
  /** The prefix the user writes (`oci:`), if any. */
  prefix?: string;
  /** What follows the prefix names an image (an engine's or a registry's reference), not a path. */
  namesReference?: boolean;
  /** --format values that name this destination for a bare path. */
  formatNames?: string[];
  /** One line for the sources' help (`stowage inspect --help`): the form the user writes and what it names. */
  help?: { form: string; what: string };
  source: SourceEntry;
  dest?: DestinationEntry;
  /** For a source only some operations take (`OpenOptions.also`): the one line any other operation is refused with. */
  refused?(spec: SourceSpec): string;
}
