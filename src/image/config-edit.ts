/**
 * Editing an image's metadata without touching a layer: typed changes applied to a parsed image config (and to
 * the OCI manifest's annotations, and to the tags the output carries). No I/O, no CLI and no environment: the time
 * an edit records is the caller's (`now`), else a `created` the request sets, else the current time.
 *
 * Stable API (stowage edit, squash and import share it; add to it, do not change it):
 *   ConfigChange                     one change to the config (its kinds are the edit-field table's, edit-fields.ts)
 *   AnnotationChange                 one change to the OCI manifest's annotations
 *   TagRequest                       { replace?: string[]; add?: string[] }: the tags the output carries
 *   EditRequest                      { config: ConfigChange[]; annotations: AnnotationChange[]; tags?: TagRequest }
 *   editRequest(values)              an EditRequest from values as typed ({ env: ['A=1'] }), every value checked
 *   isEmptyRequest(req)              true when the request changes nothing at all
 *   applyConfigChanges(config, changes)           -> EditOutcome<ImageConfig>  (the input is not modified)
 *   applyAnnotationChanges(annotations, changes)  -> EditOutcome<Record<string, string>>
 *   resolveTags(sourceTags, tags?)   the output's tags: the source's, replaced by `replace`, plus `add`
 *   withEditHistory(config, summary, created)     appends the `empty_layer` history entry that says what changed
 *   serializeConfig(value)           compact JSON, key order kept, strings escaped as Go does: deterministic bytes
 *   diffConfigs(before, after)       field-level differences, for --dry-run (config-diff.ts)
 *   shellForm(config, text)          what a shell-form ENTRYPOINT/CMD becomes for this config (its SHELL)
 *
 * Changes apply in list order, each checked first (a change a library caller builds is refused with the words the
 * CLI uses for the same value). A removal that finds nothing to remove is a warning, never an error; a list or map
 * emptied by removals is deleted from the config rather than left as `[]`/`{}`, so `docker image inspect` shows
 * `null` as for an image built without it.
 */
import { StowageError } from '../errors.js';
import { goJson } from '../oci/gojson.js';
import type { HistoryEntry, ImageConfig } from '../oci/types.js';
import { sameTag } from '../oci/reference.js';
import { AnnotationEditor, ConfigEditor } from './config-editor.js';
import { checkTag } from './edit-values.js';
import { annotationField, configField, type AnnotationChange, type ConfigChange, type EditRequest, type TagRequest } from './edit-fields.js';

export type { AnnotationChange, ConfigChange, EditRequest, EditValues, TagRequest } from './edit-fields.js';
export { editRequest } from './edit-request.js';
export { shellForm, type CommandValue } from './config-editor.js';
export { isPattern } from './patterns.js';
export { diffConfigs, type ConfigDiff } from './config-diff.js';

export interface EditOutcome<T> {
  /** A new value; the input is left as it was. */
  value: T;
  /** One short line per change that did something, Dockerfile-like: `ENTRYPOINT ["/app"]`, `remove VOLUME /data`. */
  summary: string[];
  /** Removals that found nothing to remove. */
  warnings: string[];
  /** Whether the result differs from the input. */
  changed: boolean;
}

export function isEmptyRequest(req: EditRequest): boolean {
  return req.config.length === 0 && req.annotations.length === 0 && req.tags === undefined;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * The fields an edit reads must have the types docker gives them: a config whose `Labels` is a string or whose
 * `Env` holds numbers cannot be loaded by docker (Go refuses to unmarshal it), and editing it would either crash or
 * launder it. Refused in one line naming the field.
 */
const FIELD_TYPES: Record<string, 'strings' | 'map' | 'string-map' | 'string'> = {
  Env: 'strings', Entrypoint: 'strings', Cmd: 'strings', Shell: 'strings', OnBuild: 'strings',
  Labels: 'string-map', Volumes: 'map', ExposedPorts: 'map',
  User: 'string', WorkingDir: 'string', StopSignal: 'string', Hostname: 'string', Domainname: 'string',
};

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

export function checkEditableConfig(config: ImageConfig): void {
  const raw = config as unknown as Record<string, unknown>;
  const c = raw.config;
  if (c === undefined || c === null) return;
  if (typeof c !== 'object' || Array.isArray(c)) throw new StowageError(`the image's config field "config" is ${typeName(c)}, not an object; refusing to edit a config docker cannot load`);
  for (const [key, want] of Object.entries(FIELD_TYPES)) {
    const v = (c as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    const bad = (what: string) => new StowageError(`the image's config.${key} is ${what}; refusing to edit a config docker cannot load`);
    if (want === 'string' && typeof v !== 'string') throw bad(`${typeName(v)}, not a string`);
    if (want === 'strings') {
      if (!Array.isArray(v)) throw bad(`${typeName(v)}, not an array of strings`);
      const i = v.findIndex((x) => typeof x !== 'string');
      if (i !== -1) throw bad(`an array holding ${typeName(v[i])} at [${i}], not only strings`);
    }
    if (want === 'map' || want === 'string-map') {
      if (typeof v !== 'object' || Array.isArray(v)) throw bad(`${typeName(v)}, not an object`);
      if (want === 'string-map') {
        const k = Object.keys(v).find((x) => typeof (v as Record<string, unknown>)[x] !== 'string');
        if (k !== undefined) throw bad(`an object whose ${JSON.stringify(k)} is ${typeName((v as Record<string, unknown>)[k])}, not a string`);
      }
    }
  }
}

export function applyConfigChanges(config: ImageConfig, changes: ConfigChange[]): EditOutcome<ImageConfig> {
  if (changes.length) checkEditableConfig(config);
  const ed = new ConfigEditor(clone(config));
  for (const ch of changes) configField(ch).apply(ed, ch);
  const changed = serializeConfig(ed.out).compare(serializeConfig(config)) !== 0;
  return { value: ed.out, summary: ed.summary, warnings: ed.warnings, changed };
}

/** Applies annotation changes in order to a copy of `annotations`. */
export function applyAnnotationChanges(annotations: Record<string, string> | undefined, changes: AnnotationChange[]): EditOutcome<Record<string, string>> {
  const before = { ...(annotations ?? {}) };
  const ed = new AnnotationEditor({ ...before });
  for (const ch of changes) annotationField(ch).apply(ed, ch);
  return { value: ed.out, summary: ed.summary, warnings: ed.warnings, changed: serializeConfig(ed.out).compare(serializeConfig(before)) !== 0 };
}

/** The tags the output carries: the source's, or `replace` instead, then `add`; duplicates (same tag in docker's
 * normal form) dropped. */
export function resolveTags(sourceTags: string[], tags?: TagRequest): string[] {
  // A request a library caller built is checked as the flags are.
  for (const t of tags?.replace ?? []) checkTag('--tag', t);
  for (const t of tags?.add ?? []) checkTag('--add-tag', t);
  const out: string[] = [];
  const push = (t: string) => {
    if (!out.some((o) => sameTag(o, t))) out.push(t);
  };
  for (const t of tags?.replace ?? sourceTags) push(t);
  for (const t of tags?.add ?? []) push(t);
  return out;
}

/** Appends the history entry that records an edit: `empty_layer`, so no DiffID is added, and `docker history` shows it. */
export function withEditHistory(config: ImageConfig, summary: string[], created: string, tool = 'stowage edit'): ImageConfig {
  const entry: HistoryEntry = { created, created_by: `${tool}: ${summary.join('; ')}`, comment: tool, empty_layer: true };
  return { ...config, history: [...(Array.isArray(config.history) ? config.history : []), entry] };
}

/** The bytes of a config (or manifest) to store: the same value always gives the same bytes. */
export function serializeConfig(value: unknown): Buffer {
  return Buffer.from(goJson(value), 'utf8');
}

/**
 * The time an edit records (history entry, import's created): `now` when given, else the `created` the request
 * sets, else the current time. The CLI passes $SOURCE_DATE_EPOCH as `now` when the request sets no `created`
 * (cli/edit-time.ts); the library reads no environment.
 */
export function editTime(req: EditRequest | undefined, now?: string): string {
  if (now) return now;
  return requestedTime(req) ?? new Date().toISOString();
}

/** The `created` time the request sets (the last one, as it applies last), if any. */
export function requestedTime(req: EditRequest | undefined): string | undefined {
  const created = [...(req?.config ?? [])].reverse().find((c) => c.kind === 'created');
  return created && created.kind === 'created' ? created.value : undefined;
}
