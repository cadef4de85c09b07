/**
 * Field-level differences between two configs (or any two JSON values): what `edit --dry-run` shows and what
 * `diff` lists under "config". Paths read as the fields are named: `config.Entrypoint`, `config.Labels["a.b"]`,
 * `config.Env["PATH"]`, `history[7]`.
 */
import { goJson } from '../oci/gojson.js';
import { envName } from './env-name.js';

export interface ConfigDiff {
  /** `config.Entrypoint`, `config.Labels["org.example"]`, `history[7]`. */
  path: string;
  /** Absent (undefined) when the field was added / removed. */
  before?: unknown;
  after?: unknown;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const envMap = (env: string[]) => Object.fromEntries(env.map((e) => [envName(e), e.slice(envName(e).length + 1)]));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Fields of the config's structs read `config.Env`; keys of its maps (labels, volumes, ports) `Labels["a.b"]`. */
const STRUCTS = new Set(['', 'config', 'container_config', 'rootfs']);
const step = (path: string, k: string) =>
  STRUCTS.has(path) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path ? path + '.' : ''}${k}` : `${path}[${JSON.stringify(k)}]`;

/**
 * Objects are compared key by key (so one label is one line), arrays and scalars as wholes, except `Env` (one line
 * per variable) and `history`, where appended entries are listed one by one. Values compare by their Go encoding.
 */
export function diffConfigs(before: unknown, after: unknown, path = ''): ConfigDiff[] {
  if (/(^|\.)Env$/.test(path) && isStringList(before) && isStringList(after)) {
    // One line per variable rather than the whole list (PATH alone is long).
    return diffConfigs(envMap(before), envMap(after), path);
  }
  if (path === 'history' && Array.isArray(before) && Array.isArray(after) && after.length >= before.length &&
      before.every((h, i) => goJson(h) === goJson(after[i]))) {
    return after.slice(before.length).map((h, i) => ({ path: `history[${before.length + i}]`, after: h }));
  }
  if (isObject(before) && isObject(after)) {
    const out: ConfigDiff[] = [];
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = step(path, k);
      if (!(k in after) || after[k] === undefined) out.push({ path: p, before: before[k] });
      else if (!(k in before) || before[k] === undefined) out.push({ path: p, after: after[k] });
      else out.push(...diffConfigs(before[k], after[k], p));
    }
    return out;
  }
  if (goJson(before) === goJson(after)) return [];
  return [{ path, before, after }];
}
