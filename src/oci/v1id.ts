/**
 * Legacy v1 layer IDs: the `<v1id>/` directory names of a `docker save` archive (Docker <= 24).
 *
 * moby's rule (image/v1 CreateID, used by image/tarexport): take a V1Image struct, clear its `id`, marshal it with
 * Go's encoding/json, re-marshal it as a map (so the top-level keys come out sorted) with `layer_id` set to the
 * layer's ChainID and `parent` set to the v1 ID of the layer below, and hash the bytes. Every layer but the top one
 * uses an empty V1Image whose `created` is the Unix epoch; the top layer uses the image config's own V1 fields.
 *
 * So the name depends on the whole image config and on the Go struct layout of the Docker version that wrote it:
 * it is a name, never an identity. This module reproduces the layout of Docker 20.10 (the same through 24).
 */
import { sha256, type Digest } from './digest.js';
import { GO_ZERO_TIME, goMap, goSortedKeys, goString, goTime } from './gojson.js';

type Encoded = string | undefined; // undefined: the field is omitted (omitempty and empty)
class NotGoCompatible extends Error {}

function fail(): never {
  throw new NotGoCompatible();
}

/** Go assigns a JSON key to the struct field with the same name, or else one whose name matches ignoring case. */
function assignFields<T extends string>(obj: Record<string, unknown>, fields: readonly T[]): Map<T, unknown> {
  const out = new Map<T, unknown>();
  for (const key of Object.keys(obj)) {
    const field = fields.find((f) => f === key) ?? fields.find((f) => f.toLowerCase() === key.toLowerCase());
    if (field !== undefined) out.set(field, obj[key]);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : fail());
const bool = (v: unknown): boolean => (v === undefined || v === null ? false : typeof v === 'boolean' ? v : fail());

function int(v: unknown): string {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail();
  return String(v);
}

/** []string: null stays null, [] stays []. */
function stringList(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) fail();
  return v as string[];
}

/** docker's strslice.StrSlice also accepts a lone string, as a one-element list. */
function strSlice(v: unknown): string[] | null {
  return typeof v === 'string' ? [v] : stringList(v);
}

const encList = (l: string[] | null): string => (l === null ? 'null' : '[' + l.map(goString).join(',') + ']');

function encStringMap(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (!isObject(v)) fail();
  return goMap(v, (x) => goString(typeof x === 'string' ? x : fail()));
}

function encSet(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (!isObject(v)) fail();
  return goMap(v, (x) => (x === null || isObject(x) ? '{}' : fail()));
}

const HEALTH_FIELDS = ['Test', 'Interval', 'Timeout', 'StartPeriod', 'Retries'] as const;

function encHealthcheck(v: unknown): Encoded {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail();
  const f = assignFields(v, HEALTH_FIELDS);
  const parts: string[] = [];
  const test = stringList(f.get('Test'));
  if (test && test.length) parts.push(`"Test":${encList(test)}`);
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'Retries'] as const) {
    const n = f.get(k);
    if (n !== undefined && n !== null && int(n) !== '0') parts.push(`"${k}":${int(n)}`);
  }
  return '{' + parts.join(',') + '}';
}

const CONFIG_FIELDS = [
  'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty',
  'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Image', 'Volumes', 'WorkingDir',
  'Entrypoint', 'NetworkDisabled', 'MacAddress', 'OnBuild', 'Labels', 'StopSignal', 'StopTimeout', 'Shell',
] as const;

/** docker's container.Config, field by field in struct order, with its omitempty rules. */
function encContainerConfig(v: unknown): string {
  const f = isObject(v) ? assignFields(v, CONFIG_FIELDS) : v === undefined || v === null ? new Map() : fail();
  const g = (k: (typeof CONFIG_FIELDS)[number]) => f.get(k);
  const parts: string[] = [];
  const put = (k: string, enc: Encoded) => {
    if (enc !== undefined) parts.push(goString(k) + ':' + enc);
  };
  put('Hostname', goString(str(g('Hostname'))));
  put('Domainname', goString(str(g('Domainname'))));
  put('User', goString(str(g('User'))));
  put('AttachStdin', String(bool(g('AttachStdin'))));
  put('AttachStdout', String(bool(g('AttachStdout'))));
  put('AttachStderr', String(bool(g('AttachStderr'))));
  const ports = g('ExposedPorts');
  put('ExposedPorts', isObject(ports) && Object.keys(ports).length ? encSet(ports) : ports == null || isObject(ports) ? undefined : fail());
  put('Tty', String(bool(g('Tty'))));
  put('OpenStdin', String(bool(g('OpenStdin'))));
  put('StdinOnce', String(bool(g('StdinOnce'))));
  put('Env', encList(stringList(g('Env'))));
  put('Cmd', encList(strSlice(g('Cmd'))));
  put('Healthcheck', encHealthcheck(g('Healthcheck')));
  put('ArgsEscaped', bool(g('ArgsEscaped')) ? 'true' : undefined);
  put('Image', goString(str(g('Image'))));
  put('Volumes', encSet(g('Volumes')));
  put('WorkingDir', goString(str(g('WorkingDir'))));
  put('Entrypoint', encList(strSlice(g('Entrypoint'))));
  put('NetworkDisabled', bool(g('NetworkDisabled')) ? 'true' : undefined);
  const mac = str(g('MacAddress'));
  put('MacAddress', mac ? goString(mac) : undefined);
  put('OnBuild', encList(stringList(g('OnBuild'))));
  put('Labels', encStringMap(g('Labels')));
  const sig = str(g('StopSignal'));
  put('StopSignal', sig ? goString(sig) : undefined);
  const timeout = g('StopTimeout');
  put('StopTimeout', timeout === undefined || timeout === null ? undefined : int(timeout));
  const shell = strSlice(g('Shell'));
  put('Shell', shell && shell.length ? encList(shell) : undefined);
  return '{' + parts.join(',') + '}';
}

const V1_FIELDS = [
  'id', 'comment', 'created', 'container', 'container_config', 'docker_version', 'author', 'config',
  'architecture', 'variant', 'os', 'Size',
] as const;

/** The top-level fields of moby's V1Image, as the map CreateID hashes (before layer_id and parent are added). */
function v1Fields(config: Record<string, unknown> | undefined): Record<string, string> {
  if (!config) {
    // Lower layers: an empty V1Image created at the Unix epoch (time.Unix(0, 0), printed in UTC by dockerd).
    return { created: '"1970-01-01T00:00:00Z"', container_config: encContainerConfig(undefined) };
  }
  const f = assignFields(config, V1_FIELDS);
  const out: Record<string, string> = {};
  const optional = (k: string, v: unknown) => {
    const s = str(v);
    if (s) out[k] = goString(s);
  };
  optional('comment', f.get('comment'));
  const created = f.get('created');
  if (created === undefined || created === null) out.created = goString(GO_ZERO_TIME);
  else out.created = goString(goTime(typeof created === 'string' ? created : fail()) ?? fail());
  optional('container', f.get('container'));
  out.container_config = encContainerConfig(f.get('container_config'));
  optional('docker_version', f.get('docker_version'));
  optional('author', f.get('author'));
  const cfg = f.get('config');
  if (cfg !== undefined && cfg !== null) out.config = encContainerConfig(cfg);
  optional('architecture', f.get('architecture'));
  optional('variant', f.get('variant'));
  optional('os', f.get('os'));
  const size = f.get('Size');
  if (size !== undefined && size !== null && int(size) !== '0') out.Size = int(size);
  return out;
}

/**
 * The v1 ID moby gives the layer whose ChainID is `chainId`. `config` is the parsed image config for the top layer
 * and undefined for every layer below it. Returns undefined when the config holds values Go could not have
 * unmarshalled (docker would have refused such an image, so there is no name to match).
 */
export function v1LayerId(chainId: Digest, parentV1Id: Digest | undefined, config?: Record<string, unknown>): Digest | undefined {
  let fields: Record<string, string>;
  try {
    fields = v1Fields(config);
  } catch (e) {
    if (e instanceof NotGoCompatible) return undefined;
    throw e;
  }
  fields.layer_id = goString(chainId);
  if (parentV1Id) fields.parent = goString(parentV1Id);
  const json = '{' + goSortedKeys(fields).map((k) => goString(k) + ':' + fields[k]).join(',') + '}';
  return sha256(json);
}

/** The v1 directory names of every layer of an image, bottom first, as `docker save` (Docker <= 24) writes them. */
export function v1LayerIds(chainIds: readonly Digest[], config: Record<string, unknown>): (Digest | undefined)[] {
  const out: (Digest | undefined)[] = [];
  let parent: Digest | undefined;
  for (let i = 0; i < chainIds.length; i++) {
    const id = v1LayerId(chainIds[i]!, parent, i === chainIds.length - 1 ? config : undefined);
    out.push(id);
    if (!id) {
      // Without this layer's name the names above it cannot be computed either.
      while (out.length < chainIds.length) out.push(undefined);
      break;
    }
    parent = id;
  }
  return out;
}
