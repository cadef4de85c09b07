/**
 * The part of an image config a user reads first (what `docker image inspect .Config` shows): how a container of
 * the image starts. Kept with Docker's own field names, so the JSON reads like `docker inspect`.
 */
import type { ImageConfig } from '../oci/types.js';

export interface RunConfig {
  Entrypoint: string[] | null;
  Cmd: string[] | null;
  Env: string[];
  WorkingDir: string | null;
  User: string | null;
  ExposedPorts: string[];
  Volumes: string[];
  Labels: Record<string, string>;
  StopSignal: string | null;
  Healthcheck: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } | null;
  Shell: string[] | null;
  OnBuild: string[] | null;
}

const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null);
const keys = (v: unknown): string[] => (v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).sort() : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function runConfig(config: ImageConfig): RunConfig {
  const c = (config.config ?? {}) as Record<string, unknown>;
  const labels: Record<string, string> = {};
  if (c.Labels && typeof c.Labels === 'object') {
    for (const [k, v] of Object.entries(c.Labels as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (typeof v === 'string') labels[k] = v;
    }
  }
  const hc = c.Healthcheck as Record<string, unknown> | undefined;
  const test = strings(hc?.Test);
  return {
    Entrypoint: strings(c.Entrypoint),
    Cmd: strings(c.Cmd),
    Env: strings(c.Env) ?? [],
    WorkingDir: str(c.WorkingDir),
    User: str(c.User),
    ExposedPorts: keys(c.ExposedPorts),
    Volumes: keys(c.Volumes),
    Labels: labels,
    StopSignal: str(c.StopSignal),
    Healthcheck: test && test.length
      ? {
          Test: test,
          ...(typeof hc!.Interval === 'number' ? { Interval: hc!.Interval } : {}),
          ...(typeof hc!.Timeout === 'number' ? { Timeout: hc!.Timeout } : {}),
          ...(typeof hc!.StartPeriod === 'number' ? { StartPeriod: hc!.StartPeriod } : {}),
          ...(typeof hc!.Retries === 'number' ? { Retries: hc!.Retries } : {}),
        }
      : null,
    Shell: strings(c.Shell),
    OnBuild: strings(c.OnBuild),
  };
}

/** Nanoseconds (as Docker stores healthcheck times) in words: 30s, 1m30s, 500ms. */
function duration(ns: number): string {
  if (ns % 1e9 !== 0) return `${ns / 1e6}ms`;
  const s = ns / 1e9;
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}` : `${s}s`;
}

/** The text view: one row per field that is set, lists one item a line (Env, Labels). */
export function runConfigRows(r: RunConfig): [string, string][] {
  const rows: [string, string][] = [];
  const list = (name: string, items: string[]) => items.forEach((v, i) => rows.push([i === 0 ? name : '', v]));
  if (r.Entrypoint) rows.push(['Entrypoint', JSON.stringify(r.Entrypoint)]);
  if (r.Cmd) rows.push(['Cmd', JSON.stringify(r.Cmd)]);
  if (r.WorkingDir) rows.push(['WorkingDir', r.WorkingDir]);
  if (r.User) rows.push(['User', r.User]);
  list('Env', r.Env);
  if (r.ExposedPorts.length) rows.push(['Ports', r.ExposedPorts.join(' ')]);
  if (r.Volumes.length) rows.push(['Volumes', r.Volumes.join(' ')]);
  list('Labels', Object.entries(r.Labels).map(([k, v]) => `${k}=${v}`));
  if (r.StopSignal) rows.push(['StopSignal', r.StopSignal]);
  if (r.Healthcheck) {
    const h = r.Healthcheck;
    const opts = [h.Interval && `interval ${duration(h.Interval)}`, h.Timeout && `timeout ${duration(h.Timeout)}`, h.StartPeriod && `start period ${duration(h.StartPeriod)}`, h.Retries && `retries ${h.Retries}`].filter(Boolean);
    rows.push(['Healthcheck', `${JSON.stringify(h.Test)}${opts.length ? `  (${opts.join(', ')})` : ''}`]);
  }
  if (r.Shell) rows.push(['Shell', JSON.stringify(r.Shell)]);
  if (r.OnBuild?.length) list('OnBuild', r.OnBuild);
  return rows;
}
