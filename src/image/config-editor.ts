/**
 * The editors that carry out edit changes, one method a kind of change, each recording what it did (a Dockerfile-like
 * line) or why it did nothing (a warning): `ConfigEditor` on a copy of an image config, `AnnotationEditor` on a copy
 * of the manifest's annotations. Which method a change calls is said by the edit-field table (edit-fields.ts).
 */
import type { ContainerConfig, ImageConfig } from '../oci/types.js';
import { envName } from './env-name.js';
import { isPattern, matcher } from './patterns.js';

/** An ENTRYPOINT or CMD: exec form (an argument list) or shell form (run by the image's shell). */
export type CommandValue = string[] | { shell: string };

/** The shell-form command for this config: its SHELL (Dockerfile SHELL instruction) or /bin/sh -c. */
export function shellForm(config: ImageConfig, text: string): string[] {
  const shell = config.config?.Shell;
  const base = Array.isArray(shell) && shell.length && shell.every((s) => typeof s === 'string') ? (shell as string[]) : ['/bin/sh', '-c'];
  return [...base, text];
}

const execJson = (v: string[]) => JSON.stringify(v);
const list = (xs: string[]) => xs.join(', ');

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

type MapField = 'Labels' | 'Volumes' | 'ExposedPorts';

/** The three maps of the container config edited alike: their Dockerfile word and what a change that finds nothing says. */
/** The maps edited alike. */
export type EditedMap = 'label' | 'volume' | 'expose';

const MAPS: Record<EditedMap, { field: MapField; word: string; all: string; none: string; missing: (arg: string) => string; match: (arg: string) => (key: string) => boolean }> = {
  label: { field: 'Labels', word: 'LABEL', all: 'LABELs', none: 'the image has no labels to remove', missing: (k) => `no label ${isPattern(k) ? 'matches' : 'named'} ${k} to remove`, match: matcher },
  volume: { field: 'Volumes', word: 'VOLUME', all: 'VOLUMEs', none: 'the image has no volumes to remove', missing: (p) => `no volume ${isPattern(p) ? 'matches' : 'at'} ${p} to remove`, match: matcher },
  expose: { field: 'ExposedPorts', word: 'EXPOSE', all: 'EXPOSE', none: 'the image exposes no ports to remove', missing: (p) => `no exposed port ${isPattern(p) ? 'matches' : 'is'} ${p} to remove`, match: portMatcher },
};

/** Applies changes to a copy of a config, one method a kind of change, recording what each did (or why it did nothing). */
export class ConfigEditor {
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

  setIn(map: EditedMap, key: string, value: string | null): void {
    const { field, word } = MAPS[map];
    const c = this.cc();
    const m = (c[field] ??= {}) as Record<string, unknown>;
    m[key] = value ?? {};
    this.summary.push(`${word} ${value === null ? key : `${key}=${value}`}`);
  }

  removeFrom(map: EditedMap, arg: string): void {
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

  clearMap(map: EditedMap): void {
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
}

/** Applies annotation changes to a copy of a manifest's annotations. */
export class AnnotationEditor {
  readonly summary: string[] = [];
  readonly warnings: string[] = [];

  constructor(readonly out: Record<string, string>) {}

  set(key: string, value: string): void {
    this.out[key] = value;
    this.summary.push(`annotation ${key}=${value}`);
  }

  remove(pattern: string): void {
    const m = matcher(pattern);
    const gone = Object.keys(this.out).filter(m);
    for (const k of gone) delete this.out[k];
    if (gone.length) this.summary.push(`remove annotation ${list(gone)}`);
    else this.warnings.push(`no annotation ${isPattern(pattern) ? 'matches' : 'named'} ${pattern} to remove`);
  }

  clear(): void {
    const keys = Object.keys(this.out);
    if (keys.length) this.summary.push(`remove all annotations (${list(keys)})`);
    else this.warnings.push('the image has no annotations to remove');
    for (const k of keys) delete this.out[k];
  }
}
