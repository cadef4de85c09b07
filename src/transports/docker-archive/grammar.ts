/**
 * The docker save archive's names, in one place: manifest.json's grammar, the legacy `<v1id>/layer.tar` layer
 * path and the Docker 25+ `blobs/sha256/<hex>` blob path. The reader (read.ts) and the one-pass delta
 * (ops/delta-stream.ts) both parse with these, so an archive one takes the other takes too.
 */
import { StowageError } from '../../errors.js';
import { safeArchivePath } from '../../fs/paths.js';
import { expectArray, expectRecord, parseJson } from '../../oci/json.js';

export interface ManifestItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
  /** moby's classic store writes LayerSources in every Docker 25+ save; containerd's exporter never does. */
  layerSources: boolean;
}

/** manifest.json: a non-empty array of {Config, RepoTags (strings, or absent), Layers}, every path inside the archive. */
export function parseManifestJson(bytes: Buffer, what: string): ManifestItem[] {
  const v = parseJson(bytes, what);
  if (v === null) throw new StowageError(`${what}: is null, it lists no images`);
  const items = expectArray(v, what);
  if (items.length === 0) throw new StowageError(`${what}: lists no images`);
  return items.map((raw, i) => {
    const w = `${what}[${i}]`;
    const r = expectRecord(raw, w);
    const tags = r.RepoTags === undefined || r.RepoTags === null ? [] : expectArray(r.RepoTags, `${w}.RepoTags`);
    if (!tags.every((t) => typeof t === 'string')) throw new StowageError(`${w}.RepoTags: expected strings`);
    const layers = expectArray(r.Layers ?? [], `${w}.Layers`).map((p, j) => safeArchivePath(p, `${w}.Layers[${j}]`));
    return { Config: safeArchivePath(r.Config, `${w}.Config`), RepoTags: tags as string[], Layers: layers, layerSources: r.LayerSources !== undefined };
  });
}

/** The v1 ID of a legacy (Docker <= 24) layer path `<v1id>/layer.tar`, or undefined. */
export function legacyLayerId(path: string): string | undefined {
  return /^([a-f0-9]{64})\/layer\.tar$/.exec(path)?.[1];
}

/** The hex digest a Docker 25+ blob path `blobs/sha256/<hex>` names, or undefined. */
export function blobPathHex(path: string): string | undefined {
  return /^blobs\/sha256\/([a-f0-9]{64})$/.exec(path)?.[1];
}
