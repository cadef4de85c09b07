/**
 * The CI gate of `stowage layers --ci`, with dive's rules and dive's configuration file, so a pipeline can switch
 * from `dive --ci` without changing its thresholds:
 *
 * - `lowestEfficiency` (0..1): fails when the efficiency is below it;
 * - `highestWastedBytes` (a size: `20MB`, `1.5 GiB`, `5000000`): fails when the wasted bytes are above it;
 * - `highestUserWastedPercent` (0..1, a fraction): fails when wasted bytes / user bytes is above it.
 *
 * `.dive-ci` is YAML with these keys under `rules:`; a value of `disabled` (or `off`, `false`, empty) turns a rule
 * off. dive's defaults apply to a rule neither the file nor a flag sets: 0.9, disabled, 0.1. Sizes are read as
 * go-humanize's ParseBytes reads them (kB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024).
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export type RuleKey = 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';
export const RULE_KEYS: RuleKey[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];

/** dive's defaults (runtime/ci: NewEvaluator). */
export const DIVE_DEFAULTS: Record<RuleKey, string> = { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' };

export interface Rule {
  key: RuleKey;
  /** null: disabled. */
  threshold: number | null;
  /** Where the threshold came from: 'flag', the file's name, or 'default'. */
  from: string;
}

export interface RuleResult {
  rule: RuleKey;
  threshold: number | null;
  value: number | null;
  status: 'pass' | 'fail' | 'skip';
  message: string;
}

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, p: 1e15, pb: 1e15, e: 1e18, eb: 1e18,
  ki: 2 ** 10, kib: 2 ** 10, mi: 2 ** 20, mib: 2 ** 20, gi: 2 ** 30, gib: 2 ** 30, ti: 2 ** 40, tib: 2 ** 40, pi: 2 ** 50, pib: 2 ** 50, ei: 2 ** 60, eib: 2 ** 60,
};

/** A byte size as go-humanize's ParseBytes reads it; undefined when it is not one. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*([0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Number(m[1]!.replace(/,/g, '')) * unit;
  return Number.isFinite(n) ? Math.floor(n) : undefined;
}

function disabled(v: string): boolean {
  const s = v.trim().toLowerCase();
  return s === '' || s === 'disabled' || s === 'off' || s === 'false';
}

/** Checks one rule's value as dive does; the threshold, or null when disabled. */
export function ruleThreshold(key: RuleKey, value: string, where: string): number | null {
  if (disabled(value)) return null;
  if (key === 'highestWastedBytes') {
    const n = parseBytes(value);
    if (n === undefined) throw new UsageError(`${where}: highestWastedBytes ${JSON.stringify(value)} is not a size (give bytes, or 20MB, 1.5GiB, or "disabled")`);
    return n;
  }
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${where}: ${key} ${JSON.stringify(value)} is not a number`);
  if (n < 0 || n > 1) throw new UsageError(`${where}: ${key} ${value.trim()} is outside the allowed range 0..1 (a fraction: 0.1 is 10%)`);
  return n;
}

const KEY_BY_NAME = new Map<string, RuleKey>();
for (const k of RULE_KEYS) {
  KEY_BY_NAME.set(k.toLowerCase(), k);
  KEY_BY_NAME.set(k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()), k);
}

function unquote(v: string): string {
  const s = v.trim();
  if ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'"))) return s.slice(1, -1);
  return s;
}

/**
 * The rules of a `.dive-ci` file: the `rules:` mapping of a YAML document (the only part dive reads). Block and
 * flow style (`rules: {lowestEfficiency: 0.9}`), comments and quotes are understood; anything else is refused
 * with the line that is not understood.
 */
export function parseDiveCi(text: string, file: string, warn: (m: string) => void = () => {}): Partial<Record<RuleKey, string>> {
  const out: Partial<Record<RuleKey, string>> = {};
  const set = (name: string, value: string, line: number) => {
    const key = KEY_BY_NAME.get(name.toLowerCase()) ?? KEY_BY_NAME.get(name);
    if (!key) {
      warn(`${file}:${line}: unknown rule ${JSON.stringify(name)} ignored (dive knows ${RULE_KEYS.join(', ')})`);
      return;
    }
    out[key] = unquote(value);
  };
  const lines = text.split(/\r?\n/);
  let inRules = false;
  let rulesIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/(^|\s)#.*$/, '');
    if (!raw.trim() || raw.trim() === '---') continue;
    const indent = raw.length - raw.trimStart().length;
    const m = /^([A-Za-z0-9_.-]+|"[^"]*"|'[^']*')\s*:(?:\s+(.*))?$/.exec(raw.trim());
    if (!m) {
      if (inRules) throw new UsageError(`${file}:${i + 1}: not understood: ${JSON.stringify(lines[i]!.trim())} (expected "name: value" under rules:)`);
      continue;
    }
    const name = unquote(m[1]!);
    const value = (m[2] ?? '').trim();
    if (indent === 0) {
      inRules = name === 'rules';
      rulesIndent = -1;
      if (inRules && value.startsWith('{')) {
        if (!value.endsWith('}')) throw new UsageError(`${file}:${i + 1}: a flow mapping must close on its line`);
        for (const part of value.slice(1, -1).split(',')) {
          if (!part.trim()) continue;
          const kv = /^\s*([^:]+?)\s*:\s*(.*?)\s*$/.exec(part);
          if (!kv) throw new UsageError(`${file}:${i + 1}: not understood: ${JSON.stringify(part.trim())}`);
          set(unquote(kv[1]!), kv[2]!, i + 1);
        }
        inRules = false;
      } else if (inRules && value) {
        throw new UsageError(`${file}:${i + 1}: rules must be a mapping of rule names to values`);
      }
      continue;
    }
    if (!inRules) continue;
    if (rulesIndent === -1) rulesIndent = indent;
    if (indent !== rulesIndent) throw new UsageError(`${file}:${i + 1}: not understood: ${JSON.stringify(lines[i]!.trim())} (nested values under a rule)`);
    set(name, value, i + 1);
  }
  return out;
}

/**
 * The rules in force: a flag wins over the file, the file over dive's defaults. `file` is read when given, or when
 * `.dive-ci` exists in the working directory (as dive does).
 */
export function resolveRules(flags: Partial<Record<RuleKey, string>>, file: string | undefined, warn: (m: string) => void): { rules: Rule[]; file: string | null } {
  let fromFile: Partial<Record<RuleKey, string>> = {};
  let used: string | null = null;
  const path = file ?? '.dive-ci';
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (file !== undefined || (code !== 'ENOENT' && code !== 'ENOTDIR')) {
      throw new UsageError(`${path}: cannot read the CI configuration (${code === 'ENOENT' ? 'no such file' : (e as Error).message})`);
    }
  }
  if (text !== undefined) {
    fromFile = parseDiveCi(text, path, warn);
    used = path;
  }
  const rules = RULE_KEYS.map((key): Rule => {
    if (flags[key] !== undefined) return { key, threshold: ruleThreshold(key, flags[key]!, `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`), from: 'flag' };
    if (fromFile[key] !== undefined) return { key, threshold: ruleThreshold(key, fromFile[key]!, path), from: path };
    return { key, threshold: ruleThreshold(key, DIVE_DEFAULTS[key], 'default'), from: 'default' };
  });
  return { rules, file: used };
}

export function evaluateRules(rules: Rule[], figures: { efficiency: number; wastedBytes: number; userWastedPercent: number | null }): RuleResult[] {
  return rules.map((r): RuleResult => {
    const value = r.key === 'lowestEfficiency' ? figures.efficiency : r.key === 'highestWastedBytes' ? figures.wastedBytes : figures.userWastedPercent;
    if (r.threshold === null) return { rule: r.key, threshold: null, value, status: 'skip', message: 'disabled' };
    const t = r.threshold;
    if (r.key === 'lowestEfficiency') {
      return figures.efficiency < t
        ? { rule: r.key, threshold: t, value, status: 'fail', message: `image efficiency is too low (efficiency=${figures.efficiency} < threshold=${t})` }
        : { rule: r.key, threshold: t, value, status: 'pass', message: '' };
    }
    if (r.key === 'highestWastedBytes') {
      return figures.wastedBytes > t
        ? { rule: r.key, threshold: t, value, status: 'fail', message: `too many bytes wasted (wasted-bytes=${figures.wastedBytes} > threshold=${t})` }
        : { rule: r.key, threshold: t, value, status: 'pass', message: '' };
    }
    const u = figures.userWastedPercent;
    return u === null || u > t
      ? { rule: r.key, threshold: t, value, status: 'fail', message: `too many bytes wasted, relative to the user bytes added (user-wasted-percent=${u === null ? 'infinite: no user bytes' : u} > threshold=${t})` }
      : { rule: r.key, threshold: t, value, status: 'pass', message: '' };
  });
}
