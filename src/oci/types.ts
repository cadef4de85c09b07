/**
 * The documents of the OCI image spec (and Docker's v2 schema 2, which has the same shape): descriptors, image
 * manifests, image indexes and image configs, each validated as it is read from untrusted input.
 */
import { StowageError } from '../errors.js';
import { parseDigest, type Digest } from './digest.js';
import { expectArray, expectRecord, optString, parseJson, stringMap } from './json.js';
import { isIndexType, isManifestType } from './mediatypes.js';
import type { Platform } from './platform.js';

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform & { 'os.version'?: string; 'os.features'?: string[] };
  urls?: string[];
  artifactType?: string;
}

export interface Manifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The runtime part of an image config (`config` in the JSON). */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Healthcheck?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ContainerConfig;
  rootfs: { type: string; diff_ids: Digest[] };
  history?: HistoryEntry[];
  [k: string]: unknown;
}

export function parseDescriptor(v: unknown, what: string): Descriptor {
  const r = expectRecord(v, what);
  const mediaType = optString(r.mediaType, `${what}.mediaType`) ?? '';
  const digest = parseDigest(r.digest, `${what}.digest`);
  const size = r.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new StowageError(`${what}.size: expected a non-negative integer`);
  }
  const d: Descriptor = { mediaType, digest, size };
  const ann = stringMap(r.annotations, `${what}.annotations`);
  if (ann) d.annotations = ann;
  if (r.platform !== undefined && r.platform !== null) {
    const p = expectRecord(r.platform, `${what}.platform`);
    const os = optString(p.os, `${what}.platform.os`);
    const architecture = optString(p.architecture, `${what}.platform.architecture`);
    if (!os || !architecture) throw new StowageError(`${what}.platform: os and architecture are required`);
    d.platform = { os, architecture };
    const variant = optString(p.variant, `${what}.platform.variant`);
    if (variant) d.platform.variant = variant;
    const osv = optString(p['os.version'], `${what}.platform.os.version`);
    if (osv) d.platform['os.version'] = osv;
  }
  if (Array.isArray(r.urls)) d.urls = r.urls.filter((u): u is string => typeof u === 'string');
  const at = optString(r.artifactType, `${what}.artifactType`);
  if (at) d.artifactType = at;
  return d;
}

function schemaVersion(r: Record<string, unknown>, what: string): number {
  if (r.schemaVersion !== 2) {
    if (r.schemaVersion === 1) throw new StowageError(`${what}: Docker schema 1 manifests are not supported (deprecated since 2017)`, { code: 'unsupported' });
    throw new StowageError(`${what}: schemaVersion must be 2`);
  }
  return 2;
}

export function parseManifest(bytes: Buffer, what: string): Manifest {
  const r = expectRecord(parseJson(bytes, what), what);
  const mediaType = optString(r.mediaType, `${what}.mediaType`);
  if (mediaType && !isManifestType(mediaType)) {
    throw new StowageError(`${what}: media type ${mediaType} is not an image manifest`);
  }
  if (r.manifests !== undefined) throw new StowageError(`${what}: is an image index, not an image manifest`);
  const m: Manifest = {
    schemaVersion: schemaVersion(r, what),
    config: parseDescriptor(r.config, `${what}.config`),
    layers: expectArray(r.layers, `${what}.layers`).map((l, i) => parseDescriptor(l, `${what}.layers[${i}]`)),
  };
  if (mediaType) m.mediaType = mediaType;
  const ann = stringMap(r.annotations, `${what}.annotations`);
  if (ann) m.annotations = ann;
  return m;
}

export function parseIndex(bytes: Buffer, what: string): Index {
  const r = expectRecord(parseJson(bytes, what), what);
  const mediaType = optString(r.mediaType, `${what}.mediaType`);
  if (mediaType && !isIndexType(mediaType)) throw new StowageError(`${what}: media type ${mediaType} is not an image index`);
  const idx: Index = {
    schemaVersion: schemaVersion(r, what),
    // Docker 25.0 writes "manifests": null when it saves only untagged images; Go reads that as an empty list.
    manifests: expectArray(r.manifests ?? [], `${what}.manifests`).map((d, i) => parseDescriptor(d, `${what}.manifests[${i}]`)),
  };
  if (mediaType) idx.mediaType = mediaType;
  const ann = stringMap(r.annotations, `${what}.annotations`);
  if (ann) idx.annotations = ann;
  return idx;
}

/** Parses an image config; keeps every field (unknown ones too) so an edit can write it back unchanged. */
export function parseConfig(bytes: Buffer, what: string): ImageConfig {
  const r = expectRecord(parseJson(bytes, what), what);
  const rootfs = expectRecord(r.rootfs, `${what}.rootfs`);
  if (rootfs.type !== 'layers') throw new StowageError(`${what}.rootfs.type: expected "layers"`);
  const diffIds = expectArray(rootfs.diff_ids ?? [], `${what}.rootfs.diff_ids`).map((d, i) =>
    parseDigest(d, `${what}.rootfs.diff_ids[${i}]`),
  );
  if (r.history !== undefined && r.history !== null) {
    expectArray(r.history, `${what}.history`).forEach((h, i) => expectRecord(h, `${what}.history[${i}]`));
  }
  if (r.config !== undefined && r.config !== null) expectRecord(r.config, `${what}.config`);
  return { ...(r as Record<string, unknown>), rootfs: { type: 'layers', diff_ids: diffIds } } as ImageConfig;
}
