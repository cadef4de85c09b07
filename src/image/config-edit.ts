/**
 * Editing an image's metadata without touching a layer: typed changes applied to a parsed image config (and to
 * the OCI manifest's annotations, and to the tags the output carries). No I/O and no CLI; the one thing read from
 * outside is $SOURCE_DATE_EPOCH, by `editTime`, when the caller gives no time.
 *
 * Stable API (stowage edit, squash and import share it; add to it, do not change it):
 *   ConfigChange                     one change to the config (the union below)
 *   AnnotationChange                 one change to the OCI manifest's annotations
 *   TagRequest                       { replace?: string[]; add?: string[] }: the tags the output carries
 *   EditRequest                      { config: ConfigChange[]; annotations: AnnotationChange[]; tags?: TagRequest }
 *   isEmptyRequest(req)              true when the request changes nothing at all
 *   applyConfigChanges(config, changes)           -> EditOutcome<ImageConfig>  (the input is not modified)
 *   applyAnnotationChanges(annotations, changes)  -> EditOutcome<Record<string, string>>
 *   resolveTags(sourceTags, tags?)   the output's tags: the source's, replaced by `replace`, plus `add`
 *   withEditHistory(config, summary, created)     appends the `empty_layer` history entry that says what changed
 *   serializeConfig(value)           compact JSON, key order kept, strings escaped as Go does: deterministic bytes
 *   diffConfigs(before, after)       field-level differences, for --dry-run
 *   shellForm(config, text)          what a shell-form ENTRYPOINT/CMD becomes for this config (its SHELL)
 *
 * Changes apply in list order. A removal that finds nothing to remove is a warning, never an error. Values are
 * taken as validated (edit-flags.ts checks what a user types); a list or map emptied by removals is deleted from
 * the config rather than left as `[]`/`{}`, so `docker image inspect` shows `null` as for an image built without it.
 */
import { StowageError } from '../errors.js';
import type { HistoryEntry, ImageConfig, ContainerConfig } from '../oci/types.js';
import { goString } from '../oci/gojson.js';
import { sameTag } from '../oci/reference.js';

/** An ENTRYPOINT or CMD: exec form (an argument list) or shell form (run by the image's shell). */
export type CommandValue = string[] | { shell: string };

export type ConfigChange =
  | { kind: 'entrypoint'; value: CommandValue }
  | { kind: 'clear-entrypoint' }
  | { kind: 'cmd'; value: CommandValue }
  | { kind: 'clear-cmd' }
  | { kind: 'env'; name: string; value: string }
  /** `name` may be a pattern with `*` and `?`. */
  | { kind: 'env-rm'; name: string }
  | { kind: 'clear-env' }
  | { kind: 'label'; key: string; value: string }
  | { kind: 'label-rm'; key: string }
  | { kind: 'clear-labels' }
  | { kind: 'volume'; path: string }
  | { kind: 'volume-rm'; path: string }
  | { kind: 'clear-volumes' }
  /** `port` as the config keys it: `80/tcp`. */
  | { kind: 'expose'; port: string }
  /** `port`: `80/tcp` (that protocol), `80` (every protocol), or a pattern such as `80*`. */
  | { kind: 'expose-rm'; port: string }
  | { kind: 'clear-exposed' }
  /** For these, an empty value removes the field. */
  | { kind: 'user'; value: string }
  | { kind: 'workdir'; value: string }
  | { kind: 'stop-signal'; value: string }
  | { kind: 'hostname'; value: string }
  | { kind: 'domainname'; value: string }
  | { kind: 'author'; value: string }
  | { kind: 'clear-healthcheck' }
  /** An RFC 3339 time. */
  | { kind: 'created'; value: string }
  | { kind: 'platform'; os: string; architecture: string; variant?: string };

export type AnnotationChange =
  | { kind: 'annotation'; key: string; value: string }
  | { kind: 'annotation-rm'; key: string }
  | { kind: 'clear-annotations' };

export interface TagRequest {
  /** Replaces the source's tags (an empty list: the output is untagged). */
  replace?: string[];
  /** Added to the source's tags (or to `replace`). */
  add?: string[];
}

export interface EditRequest {
  config: ConfigChange[];
  annotations: AnnotationChange[];
  tags?: TagRequest;
}

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

/** `*` any run of characters (slashes too), `?` one character; anything else is literal. */
export function isPattern(s: string): boolean {
  return /[*?]/.test(s);
}

function matcher(pattern: string): (s: string) => boolean {
  if (!isPattern(pattern)) return (s) => s === pattern;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]') + '$');
  return (s) => re.test(s);
}

/** The shell-form command for this config: its SHELL (Dockerfile SHELL instruction) or /bin/sh -c. */
export function shellForm(config: ImageConfig, text: string): string[] {
  const shell = config.config?.Shell;
  const base = Array.isArray(shell) && shell.length && shell.every((s) => typeof s === 'string') ? (shell as string[]) : ['/bin/sh', '-c'];
  return [...base, text];
}

const execJson = (v: string[]) => JSON.stringify(v);

function envName(entry: string): string {
  const i = entry.indexOf('=');
  return i === -1 ? entry : entry.slice(0, i);
}

/** Removes the keys of a map matching `pattern`; returns what it removed. */
function removeKeys(map: Record<string, unknown> | null | undefined, pattern: string): string[] {
  if (!map) return [];
  const m = matcher(pattern);
  const gone = Object.keys(map).filter(m);
  for (const k of gone) delete map[k];
  return gone;
}

/** Ports matching an --expose-rm argument: `80/tcp` exactly, `80` any protocol, a pattern on either form. */
function portMatcher(arg: string): (key: string) => boolean {
  const hasProto = arg.includes('/');
  const m = matcher(arg);
  return (key) => (hasProto ? m(key) : m(key.split('/')[0]!));
}

/** Deletes a container-config field when its list or map was emptied, so it reads as absent (null). */
function dropIfEmpty(cc: ContainerConfig, key: 'Env' | 'Labels' | 'Volumes' | 'ExposedPorts'): void {
  const v = cc[key];
  if (v === undefined || v === null) return;
  if (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0) delete cc[key];
}

const list = (xs: string[]) => xs.join(', ');

/** Applies config changes in order to a copy of `config`. */
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

type MapField = 'Labels' | 'Volumes' | 'ExposedPorts';

/** The three maps of the container config edited alike: their Dockerfile word and what a change that finds nothing says. */
const MAPS: Record<'label' | 'volume' | 'expose', { field: MapField; word: string; all: string; none: string; missing: (arg: string) => string; match: (arg: string) => (key: string) => boolean }> = {
  label: { field: 'Labels', word: 'LABEL', all: 'LABELs', none: 'the image has no labels to remove', missing: (k) => `no label ${isPattern(k) ? 'matches' : 'named'} ${k} to remove`, match: matcher },
  volume: { field: 'Volumes', word: 'VOLUME', all: 'VOLUMEs', none: 'the image has no volumes to remove', missing: (p) => `no volume ${isPattern(p) ? 'matches' : 'at'} ${p} to remove`, match: matcher },
  expose: { field: 'ExposedPorts', word: 'EXPOSE', all: 'EXPOSE', none: 'the image exposes no ports to remove', missing: (p) => `no exposed port ${isPattern(p) ? 'matches' : 'is'} ${p} to remove`, match: portMatcher },
};

/** Applies changes to a copy of a config, one method a kind of change, recording what each did (or why it did nothing). */
class ConfigEditor {
  readonly summary: string[] = [];
  readonly warnings: string[] = [];

  constructor(readonly out: ImageConfig) {}

  /** The container config, created when a change adds to it. */
  private cc(): ContainerConfig {
    if (this.out.config === undefined || this.out.config === null) this.out.config = {};
    return this.out.config;
  }

  /** Reads without creating: a removal on an image without `config` must not add an empty one. */
  private peek(): ContainerConfig | undefined {
    return this.out.config ?? undefined;
  }

  setString(key: 'User' | 'WorkingDir' | 'StopSignal' | 'Hostname' | 'Domainname', value: string, word: string): void {
    if (value === '') {
      const c = this.peek();
      if (c && c[key] !== undefined && c[key] !== null && c[key] !== '') {
        delete c[key];
        this.summary.push(`remove ${word}`);
      } else {
        // Absent, null or "" already: leave the bytes alone.
        this.warnings.push(`the image has no ${word} to remove`);
      }
      return;
    }
    this.cc()[key] = value;
    this.summary.push(`${word} ${value}`);
  }

  setCommand(key: 'Entrypoint' | 'Cmd', value: CommandValue): void {
    const argv = Array.isArray(value) ? [...value] : shellForm(this.out, value.shell);
    this.cc()[key] = argv;
    this.summary.push(`${key === 'Cmd' ? 'CMD' : 'ENTRYPOINT'} ${execJson(argv)}`);
  }

  /** Removes a field the image may lack (a command, the healthcheck), saying so when it does. */
  remove(key: 'Entrypoint' | 'Cmd' | 'Healthcheck', word: string): void {
    const c = this.peek();
    if (!c || c[key] === undefined || c[key] === null) {
      this.warnings.push(`the image has no ${word} to remove`);
      return;
    }
    delete c[key];
    this.summary.push(`remove ${word}`);
  }

  setEnv(name: string, value: string): void {
    const c = this.cc();
    const env = Array.isArray(c.Env) ? c.Env : [];
    const entry = `${name}=${value}`;
    const at = env.findIndex((e) => envName(e) === name);
    if (at === -1) env.push(entry);
    else {
      env[at] = entry;
      // A duplicate name later in the list would win at run time; keep only the edited one.
      for (let i = env.length - 1; i > at; i--) if (envName(env[i]!) === name) env.splice(i, 1);
    }
    c.Env = env;
    this.summary.push(`ENV ${entry}`);
  }

  removeEnv(name: string): void {
    const c = this.peek();
    const env = c && Array.isArray(c.Env) ? c.Env : [];
    const m = matcher(name);
    const gone = env.filter((e) => m(envName(e))).map(envName);
    if (!gone.length) {
      this.warnings.push(`no environment variable ${isPattern(name) ? 'matches' : 'named'} ${name} to remove`);
      return;
    }
    c!.Env = env.filter((e) => !m(envName(e)));
    dropIfEmpty(c!, 'Env');
    this.summary.push(`remove ENV ${list(gone)}`);
  }

  clearEnv(): void {
    const c = this.peek();
    if (!c || !Array.isArray(c.Env) || c.Env.length === 0) {
      this.warnings.push('the image has no environment variables to remove');
      return;
    }
    this.summary.push(`remove all ENV (${list(c.Env.map(envName))})`);
    delete c.Env;
  }

  setIn(map: keyof typeof MAPS, key: string, value: string | null): void {
    const { field, word } = MAPS[map];
    const c = this.cc();
    const m = (c[field] ??= {}) as Record<string, unknown>;
    m[key] = value ?? {};
    this.summary.push(`${word} ${value === null ? key : `${key}=${value}`}`);
  }

  removeFrom(map: keyof typeof MAPS, arg: string): void {
    const { field, word, missing, match } = MAPS[map];
    const c = this.peek();
    const m = c?.[field] as Record<string, unknown> | null | undefined;
    const gone = m ? Object.keys(m).filter(match(arg)) : [];
    if (!gone.length) {
      this.warnings.push(missing(arg));
      return;
    }
    for (const k of gone) delete m![k];
    dropIfEmpty(c!, field);
    this.summary.push(`remove ${word} ${list(gone)}`);
  }

  clearMap(map: keyof typeof MAPS): void {
    const { field, all, none } = MAPS[map];
    const c = this.peek();
    const keys = c?.[field] ? Object.keys(c[field]!) : [];
    if (!keys.length) {
      this.warnings.push(none);
      return;
    }
    this.summary.push(`remove all ${all} (${list(keys)})`);
    delete c![field];
  }

  author(value: string): void {
    if (value === '') {
      if (!this.out.author) {
        this.warnings.push('the image has no author to remove');
        return;
      }
      delete this.out.author;
      this.summary.push('remove author');
    } else {
      this.out.author = value;
      this.summary.push(`author ${value}`);
    }
  }

  created(value: string): void {
    this.out.created = value;
    this.summary.push(`created ${value}`);
  }

  platform(os: string, architecture: string, variant?: string): void {
    this.out.os = os;
    this.out.architecture = architecture;
    if (variant) this.out.variant = variant;
    else delete this.out.variant;
    this.summary.push(`platform ${[os, architecture, variant].filter(Boolean).join('/')}`);
  }

  apply(ch: ConfigChange): void {
    switch (ch.kind) {
      case 'entrypoint': return this.setCommand('Entrypoint', ch.value);
      case 'cmd': return this.setCommand('Cmd', ch.value);
      case 'clear-entrypoint': return this.remove('Entrypoint', 'ENTRYPOINT');
      case 'clear-cmd': return this.remove('Cmd', 'CMD');
      case 'env': return this.setEnv(ch.name, ch.value);
      case 'env-rm': return this.removeEnv(ch.name);
      case 'clear-env': return this.clearEnv();
      case 'label': return this.setIn('label', ch.key, ch.value);
      case 'label-rm': return this.removeFrom('label', ch.key);
      case 'clear-labels': return this.clearMap('label');
      case 'volume': return this.setIn('volume', ch.path, null);
      case 'volume-rm': return this.removeFrom('volume', ch.path);
      case 'clear-volumes': return this.clearMap('volume');
      case 'expose': return this.setIn('expose', ch.port, null);
      case 'expose-rm': return this.removeFrom('expose', ch.port);
      case 'clear-exposed': return this.clearMap('expose');
      case 'user': return this.setString('User', ch.value, 'USER');
      case 'workdir': return this.setString('WorkingDir', ch.value, 'WORKDIR');
      case 'stop-signal': return this.setString('StopSignal', ch.value, 'STOPSIGNAL');
      case 'hostname': return this.setString('Hostname', ch.value, 'hostname');
      case 'domainname': return this.setString('Domainname', ch.value, 'domainname');
      case 'clear-healthcheck': return this.remove('Healthcheck', 'HEALTHCHECK');
      case 'author': return this.author(ch.value);
      case 'created': return this.created(ch.value);
      case 'platform': return this.platform(ch.os, ch.architecture, ch.variant);
      default: {
        const never: never = ch;
        throw new Error(`internal: unknown config change ${JSON.stringify(never)}`);
      }
    }
  }
}

export function applyConfigChanges(config: ImageConfig, changes: ConfigChange[]): EditOutcome<ImageConfig> {
  if (changes.length) checkEditableConfig(config);
  const ed = new ConfigEditor(clone(config));
  for (const ch of changes) ed.apply(ch);
  const changed = serializeConfig(ed.out).compare(serializeConfig(config)) !== 0;
  return { value: ed.out, summary: ed.summary, warnings: ed.warnings, changed };
}

/** Applies annotation changes in order to a copy of `annotations`. */
export function applyAnnotationChanges(annotations: Record<string, string> | undefined, changes: AnnotationChange[]): EditOutcome<Record<string, string>> {
  const before = { ...(annotations ?? {}) };
  const out = { ...before };
  const summary: string[] = [];
  const warnings: string[] = [];
  for (const ch of changes) {
    if (ch.kind === 'annotation') {
      out[ch.key] = ch.value;
      summary.push(`annotation ${ch.key}=${ch.value}`);
    } else if (ch.kind === 'annotation-rm') {
      const gone = removeKeys(out, ch.key);
      if (gone.length) summary.push(`remove annotation ${list(gone)}`);
      else warnings.push(`no annotation ${isPattern(ch.key) ? 'matches' : 'named'} ${ch.key} to remove`);
    } else {
      const keys = Object.keys(out);
      if (keys.length) summary.push(`remove all annotations (${list(keys)})`);
      else warnings.push('the image has no annotations to remove');
      for (const k of keys) delete out[k];
    }
  }
  return { value: out, summary, warnings, changed: serializeConfig(out).compare(serializeConfig(before)) !== 0 };
}

/** The tags the output carries: the source's, or `replace` instead, then `add`; duplicates (same tag in docker's
 * normal form) dropped. */
export function resolveTags(sourceTags: string[], tags?: TagRequest): string[] {
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

/** JSON as Go's encoding/json writes it (compact, `<>&` escaped), keeping the key order of the object. */
function encode(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map((x) => (x === undefined ? 'null' : encode(x))).join(',') + ']';
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) parts.push(goString(k) + ':' + encode(x));
    return '{' + parts.join(',') + '}';
  }
  throw new Error(`internal: cannot encode ${typeof v}`);
}

/** The bytes of a config (or manifest) to store: the same value always gives the same bytes. */
export function serializeConfig(value: unknown): Buffer {
  return Buffer.from(encode(value), 'utf8');
}

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
 * Field-level differences between two configs: objects are compared key by key (so one label is one line), arrays
 * and scalars as wholes, except `Env` (one line per variable) and `history`, where appended entries are listed one
 * by one.
 */
export function diffConfigs(before: unknown, after: unknown, path = ''): ConfigDiff[] {
  if (/(^|\.)Env$/.test(path) && isStringList(before) && isStringList(after)) {
    // One line per variable rather than the whole list (PATH alone is long).
    return diffConfigs(envMap(before), envMap(after), path);
  }
  if (path === 'history' && Array.isArray(before) && Array.isArray(after) && after.length >= before.length &&
      before.every((h, i) => encode(h) === encode(after[i]))) {
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
  if (encode(before) === encode(after)) return [];
  return [{ path, before, after }];
}

/**
 * The time an edit records (history entry, import's created): `now` when given, else the `created` the request
 * sets, else $SOURCE_DATE_EPOCH (reproducible builds), else the current time.
 */
export function editTime(req: EditRequest | undefined, now?: string): string {
  if (now) return now;
  const created = [...(req?.config ?? [])].reverse().find((c) => c.kind === 'created');
  if (created && created.kind === 'created') return created.value;
  const sde = process.env.SOURCE_DATE_EPOCH;
  if (sde && /^\d+$/.test(sde)) return new Date(Number(sde) * 1000).toISOString().replace('.000Z', 'Z');
  return new Date().toISOString();
}
