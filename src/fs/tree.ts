/**
 * A FileTree is the set of files an image format is read from: a tar archive (indexed, read by offset), a
 * directory (an OCI layout or an unpacked `docker save`), or a one-pass stream (standard input) whose small files
 * were kept and whose large ones were hashed as they went by. Format readers (docker-archive, OCI layout) only
 * see this interface, so every format works from every kind of container.
 */
import type { Compression, Sniffed } from '../compress/detect.js';
import type { LayerDigests } from '../hash/layer-digest.js';

import type { FileRegion } from '../hash/region.js';

/** Where a file's bytes are: a region of a real file, so workers and range readers can read it directly. */
export type { FileRegion };

export interface TreeFile {
  /** The normalised path asked for. */
  path: string;
  /** The path of the regular file it resolved to, after following archive symlinks and hard links. */
  resolved: string;
  size: number;
  /** True when `path` was a symlink or a hard link in the archive. */
  linked: boolean;
}

export interface FileTree {
  /** Names the container in messages ("archive x.tar", "directory ./layout"). */
  readonly label: string;
  /** Whether file bytes can be read again (false for a one-pass stream). */
  readonly seekable: boolean;
  /** Looks up a file, following links safely; undefined when absent. Throws on a link that escapes or loops. */
  stat(path: string): Promise<TreeFile | undefined>;
  /** Reads a small file whole. Throws a clear error when absent or over `limit` bytes. */
  readSmall(path: string, limit: number): Promise<Buffer>;
  /** The first bytes of a file (for sniffing its compression). */
  head(path: string, n: number): Promise<Buffer>;
  /** Streams a file's bytes. Throws on a one-pass stream. */
  open(path: string): AsyncIterable<Buffer>;
  /** Where the file's bytes lie, when they lie in a real file. */
  region(path: string): Promise<FileRegion | undefined>;
  /** Digests computed while a one-pass stream went by, if this file was hashed then. */
  precomputed(path: string): LayerDigests | undefined;
  /** All regular file paths (normalised). */
  list(): Promise<string[]>;
  close(): Promise<void>;
}

export type { Compression, Sniffed };
