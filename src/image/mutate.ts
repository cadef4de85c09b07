/**
 * Changing an image without touching its input: every function here returns a new WritableImage (the one given is
 * left as it was), and `applyEdit` is the one path that turns an edit request (config changes, annotations, tags)
 * into the new image for `edit`, `squash` and `import`.
 */
import { sha256 } from '../oci/digest.js';
import { isRecord } from '../oci/json.js';
import type { ImageConfig } from '../oci/types.js';
import {
  applyAnnotationChanges, applyConfigChanges, editTime, resolveTags, serializeConfig, withEditHistory, type EditRequest,
} from './config-edit.js';
import { ensureDigests } from './ensure-digests.js';
import { manifestFor } from './manifest.js';
import type { WritableImage, WritableLayer } from './writable.js';

/** What a legacy docker-archive output loses: it has no OCI manifest to carry annotations. */
export const LEGACY_DROPS_ANNOTATIONS = 'a legacy docker-archive holds no OCI manifest, so the annotations are not written (use --layout oci, or an oci: or oci-archive: output)';

/** A new image from a config (serialized deterministically) and its layers; no manifest (writers build one). */
export function newImage(config: ImageConfig, layers: WritableLayer[], tags: string[] = []): WritableImage {
  const bytes = serializeConfig(config);
  return { config: bytes, configDigest: sha256(bytes), tags, layers };
}

/** The image with other config bytes. A stored manifest named the old config, so it is dropped. */
export function withConfig(image: WritableImage, config: Buffer): WritableImage {
  const { manifest: _m, ...rest } = image;
  return { ...rest, config, configDigest: sha256(config) };
}

export function withTags(image: WritableImage, tags: string[]): WritableImage {
  return { ...image, tags };
}

/** The image with other layers (the config must list their DiffIDs). A stored manifest named the old ones: dropped. */
export function withLayers(image: WritableImage, layers: WritableLayer[]): WritableImage {
  const { manifest: _m, ...rest } = image;
  return { ...rest, layers };
}

/** The image with this manifest document (re-pointed at the image's config, with these annotations). */
export function withManifest(image: WritableImage, doc: Record<string, unknown>, mediaType: string, annotations: Record<string, string>): WritableImage {
  const config = isRecord(doc.config) ? doc.config : {};
  const next: Record<string, unknown> = { ...doc, config: { ...config, digest: image.configDigest, size: image.config.length } };
  if (Object.keys(annotations).length) next.annotations = annotations;
  else delete next.annotations;
  const bytes = serializeConfig(next);
  return { ...image, manifest: { bytes, digest: sha256(bytes), mediaType } };
}

export interface EditContext {
  /** The image's config as parsed (the raw JSON, so every field is kept). */
  config: ImageConfig;
  /** The config is new (squash, import): its bytes are written even when no change applies. */
  newConfig?: boolean;
  /** Tags the result starts from (the source's). */
  sourceTags: string[];
  /** The manifest the image keeps (edit: the source's), re-pointed at the new config; absent: one is built when annotations need it. */
  stored?: { doc: Record<string, unknown>; mediaType: string };
  /** The annotations the request edits (the stored manifest's). */
  baseAnnotations?: Record<string, string>;
  /** The history entry's tool name and time; `history: false` appends none. */
  editTool?: string;
  now?: string;
  history?: boolean;
  /** Whether the layers' digests can be learnt (read) to build a manifest for annotations: false for a one-pass stream. */
  canReadLayers: boolean;
}

export interface EditResult {
  image: WritableImage;
  before: ImageConfig;
  after: ImageConfig;
  annotations: { before: Record<string, string>; after: Record<string, string> };
  /** What changed, one line each (the words of the history entry). */
  changes: string[];
  warnings: string[];
}

/** Applies an edit request to an image; returns the new image and what changed. */
export async function applyEdit(image: WritableImage, req: EditRequest | undefined, ctx: EditContext): Promise<EditResult> {
  const warnings: string[] = [];
  const before = ctx.config;
  const cfg = applyConfigChanges(before, req?.config ?? []);
  warnings.push(...cfg.warnings);
  let after = before;
  let next = image;
  if (cfg.changed) {
    after = ctx.history === false ? cfg.value : withEditHistory(cfg.value, cfg.summary, editTime(req, ctx.now), ctx.editTool);
  }
  if (cfg.changed || ctx.newConfig) next = withConfig(next, serializeConfig(after));
  next = withTags(next, resolveTags(ctx.sourceTags, req?.tags));

  const ann = applyAnnotationChanges(ctx.baseAnnotations, req?.annotations ?? []);
  warnings.push(...ann.warnings);
  if (cfg.changed || ann.changed || ctx.newConfig) {
    let doc = ctx.stored?.doc;
    if (!doc) {
      const { manifest: _m, ...rest } = next;
      next = rest;
      if (Object.keys(ann.value).length && (ctx.canReadLayers || next.layers.every((l) => l.digest || !l.open))) {
        // No stored manifest (a legacy docker save, a new image): build the one a writer would, to annotate it.
        await ensureDigests([next]);
        doc = JSON.parse(manifestFor(next).bytes.toString('utf8')) as Record<string, unknown>;
      }
    }
    if (doc) next = withManifest(next, doc, ctx.stored?.mediaType || (typeof doc.mediaType === 'string' ? doc.mediaType : ''), ann.value);
  }
  return {
    image: next,
    before,
    after,
    annotations: { before: ctx.baseAnnotations ?? {}, after: ann.value },
    changes: [...cfg.summary, ...ann.summary],
    warnings,
  };
}
