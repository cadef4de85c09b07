/**
 * The checks of edit values (ports, signals, times, paths, names, commands, tags), for the CLI's flags and library
 * callers alike: each takes the field's name (its flag, `--expose`, which is how the README, the help and every
 * message name a field) and the value, and returns the value as the config stores it or throws a one-line
 * UsageError naming the field and the value. Two forms: the text a user types (`parse*`), and the typed value of a
 * change a library caller builds (`check*`), so a change given directly is refused with the same words.
 */
import { constants } from 'node:os';
import { UsageError } from '../errors.js';
import { goTime } from '../oci/gojson.js';
import { parsePlatform, type Platform } from '../oci/platform.js';
import { parseReference } from '../oci/reference.js';
import type { CommandValue } from './config-editor.js';
import { isPattern } from './patterns.js';

const q = (v: unknown) => JSON.stringify(v);

/** Library callers may hand any value; the checks below then read it as the string it must be. */
export function text(flag: string, v: unknown): string {
  if (typeof v !== 'string') throw new UsageError(`${flag}: expected a string, not ${v === null ? 'null' : typeof v}`);
  return v;
}

/** `NAME=VALUE` (env) or `KEY=VALUE` (labels, annotations). */
export function parseKeyValue(flag: string, s: string, what: [string, string]): [string, string] {
  const i = s.indexOf('=');
  if (i === -1) throw new UsageError(`${flag} ${q(s)}: expected ${what[0]}=${what[1]}`);
  const k = s.slice(0, i);
  checkKey(flag, s, k, what[0]);
  return [k, s.slice(i + 1)];
}

/** A key as docker takes it: not empty, no white space (a typed change gives key and value apart). */
export function checkKey(flag: string, shown: string, k: string, what: string): string {
  if (k === '') throw new UsageError(`${flag} ${q(shown)}: empty ${what.toLowerCase()} before "="`);
  if (/[\s\0]/.test(k)) throw new UsageError(`${flag} ${q(shown)}: the ${what.toLowerCase()} contains white space`);
  return k;
}

/** A name to remove (`--env-rm`, `--label-rm`): the name only, which may be a pattern. */
export function nameOnly(flag: string, s: string): string {
  if (s === '') throw new UsageError(`${flag}: empty name`);
  if (s.includes('=')) throw new UsageError(`${flag} ${q(s)}: give the name only, without "="`);
  return s;
}

/** ENTRYPOINT or CMD as typed: a JSON array of strings (exec form), anything else a shell string. */
export function parseCommand(flag: string, s: string, clearFlag: string): CommandValue {
  if (s.trim() === '') throw new UsageError(`${flag}: empty; use ${clearFlag} to remove it`);
  if (!s.trimStart().startsWith('[')) return { shell: s };
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw new UsageError(`${flag} ${q(s)}: not valid JSON (an exec form is a JSON array of strings, like ["/app","--serve"])`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new UsageError(`${flag} ${q(s)}: expected a JSON array of strings`);
  return v as string[];
}

/** A typed command: an array of strings, or `{ shell }` with a string that is not blank. */
export function checkCommand(flag: string, v: unknown, clearFlag: string): CommandValue {
  if (Array.isArray(v)) {
    if (!v.every((x) => typeof x === 'string')) throw new UsageError(`${flag} ${q(v)}: expected a JSON array of strings`);
    return v as string[];
  }
  const shell = typeof v === 'object' && v !== null ? (v as { shell?: unknown }).shell : undefined;
  if (typeof shell !== 'string') throw new UsageError(`${flag}: expected an array of strings or { shell: string }`);
  if (shell.trim() === '') throw new UsageError(`${flag}: empty; use ${clearFlag} to remove it`);
  return v as CommandValue;
}

const ABSOLUTE = /^(\/|[A-Za-z]:[\\/])/;

/** A VOLUME path: absolute; for a removal, a pattern too. */
export function volumePath(flag: string, s: string, patterns: boolean): string {
  if (s === '') throw new UsageError(`${flag}: empty path`);
  if (patterns && isPattern(s)) return s;
  if (!ABSOLUTE.test(s)) throw new UsageError(`${flag} ${q(s)}: a volume must be an absolute path`);
  return s;
}

/** WORKDIR: absolute, or '' (removes it). */
export function workdir(flag: string, s: string): string {
  if (s !== '' && !ABSOLUTE.test(s)) throw new UsageError(`${flag} ${q(s)}: must be an absolute path`);
  return s;
}

const PORT_RE = /^(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/;
const PROTOCOLS = ['tcp', 'udp', 'sctp'];
const MAX_RANGE = 65535;

/** `80`, `80/udp`, `8000-8010/tcp` -> the config's keys (`80/tcp`, ...). */
export function parsePorts(flag: string, s: string): string[] {
  const m = PORT_RE.exec(s);
  const bad = (why: string): never => {
    throw new UsageError(`${flag} ${q(s)}: ${why}`);
  };
  if (!m) bad('expected PORT[/PROTOCOL] or START-END[/PROTOCOL], like 80, 53/udp or 8000-8010/tcp');
  const proto = (m![3] ?? 'tcp').toLowerCase();
  if (!PROTOCOLS.includes(proto)) bad(`unknown protocol ${q(m![3])} (tcp, udp or sctp)`);
  const start = Number(m![1]);
  const end = m![2] === undefined ? start : Number(m![2]);
  for (const p of [start, end]) if (!Number.isInteger(p) || p < 1 || p > 65535) bad(`port ${p} is outside 1-65535`);
  if (end < start) bad('the range ends before it starts');
  if (end - start + 1 > MAX_RANGE) bad('range too large');
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

/** A typed `expose` change: one port as the config keys it (`80/tcp`). */
export function checkPortKey(flag: string, s: string): string {
  const ports = parsePorts(flag, s);
  if (ports.length !== 1 || ports[0] !== s) throw new UsageError(`${flag} ${q(s)}: expected one port as the config keys it, like 80/tcp`);
  return s;
}

/** A removal: a pattern as given, a port or range with its protocol, or a bare port (any protocol). */
export function portsToRemove(flag: string, s: string): string[] {
  if (s === '') throw new UsageError(`${flag}: empty port`);
  if (isPattern(s)) return [s];
  const ports = parsePorts(flag, s);
  return s.includes('/') ? ports : ports.map((p) => p.split('/')[0]!);
}

/** Signals as moby's ParseSignal takes them: a number, or a name with or without SIG, any case; '' removes it. */
export function checkSignal(flag: string, s: string): string {
  if (s === '') return s;
  const bad = (): never => {
    throw new UsageError(`${flag} ${q(s)}: not a signal (give a name such as SIGTERM or TERM, or a number 1-64)`);
  };
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < 1 || n > 64) bad();
    return s;
  }
  const name = s.toUpperCase().replace(/^SIG/, '');
  if (/^RT(MIN|MAX)([+-]\d+)?$/.test(name)) return s;
  if (!Object.keys(constants.signals).includes(`SIG${name}`)) bad();
  return s;
}

const RFC3339_HINT = 'expected an RFC 3339 time such as 2024-05-01T12:00:00Z, @UNIXSECONDS, or now';

/** RFC 3339 (what Go's time.Time reads), @SECONDS, or now. */
export function parseCreated(flag: string, s: string, now: () => Date = () => new Date()): string {
  if (s === 'now') return now().toISOString();
  const epoch = /^@(\d+)$/.exec(s);
  if (epoch) {
    const d = new Date(Number(epoch[1]) * 1000);
    if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} ${q(s)}: out of range`);
    return d.toISOString().replace('.000Z', 'Z');
  }
  return checkTime(flag, s);
}

/** A time as the config stores it: RFC 3339 that Go reads and that names a real date. */
export function checkTime(flag: string, s: string): string {
  if (goTime(s) === undefined || Number.isNaN(Date.parse(s))) throw new UsageError(`${flag} ${q(s)}: ${RFC3339_HINT}`);
  return s;
}

/** A tag the output carries: a reference without a digest. */
export function checkTag(flag: string, s: string): string {
  let r;
  try {
    r = parseReference(s);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
  if (r.digest) throw new UsageError(`${flag} ${q(s)}: a tag cannot hold a digest`);
  return s;
}

/** A typed platform change: the same rule as the text form, checked on the text it would have been. */
export function checkPlatform(p: { os: unknown; architecture: unknown; variant?: unknown }): Platform {
  const parts = [p.os, p.architecture, ...(p.variant === undefined ? [] : [p.variant])];
  return parsePlatform(parts.map((x) => (typeof x === 'string' ? x : '')).join('/'));
}
