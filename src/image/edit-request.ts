/**
 * An edit request from field values as a user types them (`{ env: ['MODE=prod'], exposeRm: ['80'] }`, or the
 * CLI's parsed flags): every value checked by the edit-field table (edit-fields.ts), refused with a one-line
 * UsageError naming the field (by its flag) and the value, the same words on the command line and in the library.
 */
import { UsageError } from '../errors.js';
import { checkTag } from './edit-values.js';
import {
  ANNOTATION_FIELDS, CONFIG_FIELDS, EDIT_FIELDS, TAG_FIELDS,
  type AnnotationChange, type ConfigChange, type EditField, type EditRequest, type EditValues,
} from './edit-fields.js';

const KNOWN = new Map(EDIT_FIELDS.map((f) => [f.name, f]));
const PHASES = ['clear', 'remove', 'set'] as const;

/** The texts one field was given: none, a switch's one '', a value's one text, a list's texts. */
function given(f: EditField, v: unknown): string[] {
  if (v === undefined || v === false) return [];
  if (f.input === 'switch') {
    if (v !== true) throw new UsageError(`${f.flag}: expected true or false, not ${JSON.stringify(v)}`);
    return [''];
  }
  if (f.input === 'value') {
    if (typeof v !== 'string') throw new UsageError(`${f.flag}: expected a string, not ${JSON.stringify(v)}`);
    return [v];
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new UsageError(`${f.flag}: expected a list of strings, not ${JSON.stringify(v)}`);
  return v;
}

/** The fields of one table in request order: per family (first seen in table order), clear, remove, set. */
function requestOrder<F extends EditField>(fields: readonly F[]): F[] {
  const families = [...new Set(fields.map((f) => f.family))];
  return families.flatMap((fam) => PHASES.flatMap((ph) => fields.filter((f) => f.family === fam && f.phase === ph)));
}

const CONFIG_ORDER = requestOrder(CONFIG_FIELDS);
const ANNOTATION_ORDER = requestOrder(ANNOTATION_FIELDS);

/** A family's one value and its clear switch contradict each other (`--cmd x --clear-cmd`). */
function refuseContradictions(values: Record<string, unknown>): void {
  for (const set of CONFIG_FIELDS) {
    if (set.phase !== 'set' || set.input !== 'value' || values[set.name] === undefined || values[set.name] === false) continue;
    const clear = CONFIG_FIELDS.find((f) => f.family === set.family && f.phase === 'clear');
    if (clear && values[clear.name]) throw new UsageError(`give ${set.flag} or ${clear.flag}, not both`);
  }
}

/** Turns field values into an EditRequest, checking every value; a name no field has is refused. */
export function editRequest(values: EditValues): EditRequest {
  const v = values as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!KNOWN.has(k)) throw new UsageError(`unknown edit field ${JSON.stringify(k)} (known: ${[...KNOWN.keys()].join(', ')})`);
  }
  refuseContradictions(v);
  const config: ConfigChange[] = [];
  for (const f of CONFIG_ORDER) {
    for (const t of given(f, v[f.name])) for (const p of f.parse(t, f.flag)) config.push({ kind: f.kind, ...p } as ConfigChange);
  }
  const annotations: AnnotationChange[] = [];
  for (const f of ANNOTATION_ORDER) {
    for (const t of given(f, v[f.name])) for (const p of f.parse(t, f.flag)) annotations.push({ kind: f.kind, ...p } as AnnotationChange);
  }
  const req: EditRequest = { config, annotations };
  for (const f of TAG_FIELDS) {
    if (v[f.name] === undefined) continue;
    req.tags ??= {};
    req.tags[f.into] = given(f, v[f.name]).map((t) => checkTag(f.flag, t));
  }
  return req;
}

/** The values of the edit fields among other options (a command's whole `opts()`). */
export function editValuesIn(options: Record<string, unknown>): EditValues {
  const out: Record<string, unknown> = {};
  for (const name of KNOWN.keys()) if (options[name] !== undefined) out[name] = options[name];
  return out as EditValues;
}
