/**
 * Destinations: where commands write images. Names follow the sources' (spec.ts), one table (table.ts):
 *   PATH or docker-archive:PATH[:NAME:TAG]   a docker save archive ('-' is standard output)
 *   oci:DIR[:TAG]                            an OCI image layout (a new directory, or new entries in one)
 *   oci-archive:PATH[:TAG]                   an OCI layout in a tar
 *   docker-daemon:[NAME:TAG]                 a Docker engine (loaded through its API)
 *   docker://REGISTRY/REPO[:TAG]             a registry (pushed; the tag moves last, so a failure changes nothing)
 * Files appear whole or not at all (a temporary name, renamed at the end).
 */
import { UsageError } from '../errors.js';
import { ensureDigests } from '../image/ensure-digests.js';
import type { WritableImage } from '../image/writable.js';
import type { ArchiveWriteOptions, ArchiveWriteResult } from './docker-archive/write.js';
import type { PushOptions, PushResult } from './registry/push.js';
import { TRANSPORTS, accepts, needsBlobDigests, transportEntry, type DestAccepts, type DestKind } from './table.js';

export type { DestKind, DestAccepts };

export interface DestSpec {
  kind: DestKind;
  path: string;
  /** A tag given with the destination name (replaces the images' tags; one image only). */
  tag?: string;
  text: string;
}

export function parseDestSpec(text: string, fallback: DestKind = 'docker-archive'): DestSpec {
  if (text === '-') return { kind: 'docker-archive', path: '-', text };
  for (const e of TRANSPORTS) {
    const p = e.prefix;
    if (!p || !e.dest || !text.startsWith(p)) continue;
    const kind = e.transport as DestKind;
    const rest = text.slice(p.length);
    if (e.dest.name) return e.dest.name(rest, text);
    if (!rest) throw new UsageError(`${p} needs a path`);
    const i = rest.indexOf(':');
    return i === -1 ? { kind, path: rest, text } : { kind, path: rest.slice(0, i), tag: rest.slice(i + 1), text };
  }
  if (/^docker:/.test(text)) throw new UsageError('docker:// destinations are written docker://REGISTRY/REPO[:TAG]');
  return { kind: fallback, path: text, text };
}

/** What a parsed destination accepts (table.ts). */
export function destAccepts(dest: DestSpec): DestAccepts {
  return accepts(dest);
}

/** The docker-archive layout a report names for a destination: that of a docker save file, null for the others. */
export function writtenLayout(dest: DestSpec, layout: 'legacy' | 'oci'): 'legacy' | 'oci' | null {
  const a = accepts(dest);
  return a.dockerArchive && a.shape === 'file' ? layout : null;
}

/** A tag a load into the engine set: the image it named before (null: none) and after, as the engine reports IDs. */
export interface EngineTagMove {
  tag: string;
  before: string | null;
  after: string | null;
}

/** One line per tag: what it names now, and what it named before (so a moved tag is never a surprise). */
export function describeTagMoves(moves: EngineTagMove[]): string[] {
  const short = (id: string | null) => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '?');
  return moves.map((m) =>
    m.before === null ? `tagged ${m.tag} -> ${short(m.after)} (a new tag)`
    : m.before === m.after ? `tagged ${m.tag} -> ${short(m.after)} (unchanged: it named this image already)`
    : `tagged ${m.tag} -> ${short(m.after)} (moved: it named ${short(m.before)} before, which stays in the engine)`);
}

export interface WriteOptions extends ArchiveWriteOptions {
  /** For docker:// destinations: credentials, TLS, compression, parallelism, mounts. */
  push?: PushOptions;
  /** For docker-archive destinations: the legacy layout (default) or the Docker 25+ OCI-plus-manifest.json one. */
  layout?: 'legacy' | 'oci';
  /**
   * Awaited once everything is written, before the output is committed (or the engine's load request ended): the
   * proof of the layers read (image/prove-layers.ts). A rejection abandons the output.
   */
  beforeCommit?: () => Promise<void>;
}

export type WriteResult = ArchiveWriteResult & { bytes: number; push?: PushResult; tagged?: EngineTagMove[]; loaded?: string[] };

/** Writes images to a destination through its table entry; returns what the writer reports. */
export async function writeImages(dest: DestSpec, images: WritableImage[], opts: WriteOptions = {}): Promise<WriteResult> {
  const { accepts: a, write } = transportEntry(dest.kind).dest!;
  if (dest.tag && a.shape !== 'registry') {
    if (images.length !== 1) throw new UsageError(`${dest.text}: a tag in the destination name needs exactly one image (there are ${images.length})`);
    // A docker archive or an engine takes NAME:TAG as the image's tag; an OCI layout takes TAG as the ref name.
    if (a.tagIsImageName) images = [{ ...images[0]!, tags: [dest.tag] }];
  }
  if (needsBlobDigests(a, opts.layout)) await ensureDigests(images);
  return write(dest, images, opts);
}
