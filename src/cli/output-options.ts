/**
 * The output options the commands share, checked in one place and turned into typed options for the ops:
 * -o DEST with --format (what a bare path is) and --layout (a docker archive's layout), --json (never with -o -,
 * which the archive uses), -q and the progress bar, repeatable flags. The ops know no flag names; what the user
 * typed is named here.
 */
import { UsageError } from '../errors.js';
import { destAccepts, parseDestSpec, type DestKind, type DestSpec } from '../transports/dest.js';
import { FORMAT_CHOICES, defaultDestKind, kindForFormat } from '../transports/table.js';
import { Progress, printJson } from './output.js';

/** For a repeatable flag (commander's argParser): each value is added to the list. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export type Layout = 'legacy' | 'oci';

/** --layout: legacy or oci; undefined when not given. */
export function parseLayout(v: string | undefined): Layout | undefined {
  if (v === undefined) return undefined;
  if (v !== 'legacy' && v !== 'oci') throw new UsageError(`--layout must be legacy or oci, not ${JSON.stringify(v)}`);
  return v;
}

/** --format: the destination a bare output path names (docker, oci, oci-archive); undefined when not given. */
export function parseFormat(v: string | undefined): DestKind | undefined {
  if (v === undefined) return undefined;
  const kind = kindForFormat(v);
  if (!kind) throw new UsageError(`--format must be ${FORMAT_CHOICES}, not ${JSON.stringify(v)}`);
  return kind;
}

/** --json prints to standard output: refused when the output (-o -) goes there too. `what` says what uses it. */
export function refuseJsonOnStdout(o: { json?: boolean; output?: string }, what = '-o - uses for the archive'): void {
  if (o.json && o.output === '-') throw new UsageError(`--json prints to standard output, which ${what}`);
}

export interface OutputFlags {
  output?: string;
  format?: string;
  layout?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The flags every image-writing command checks before it opens anything. */
export function checkOutputFlags(o: OutputFlags): { format?: DestKind; layout?: Layout } {
  const layout = parseLayout(o.layout);
  const format = parseFormat(o.format);
  refuseJsonOnStdout(o);
  return { ...(format ? { format } : {}), ...(layout ? { layout } : {}) };
}

/**
 * The destination -o names. A bare path takes --format, or else the one rule of transports/table.ts
 * (defaultDestKind): the source's format, a file for a name ending in .tar, a docker archive when --layout was given.
 */
export function outputDest(o: OutputFlags, sourceFormat: string): DestSpec {
  const output = o.output!;
  const fallback = parseFormat(o.format) ?? defaultDestKind(sourceFormat, output, o.layout !== undefined);
  return parseDestSpec(output, fallback);
}

/** What the user asked of the destination, checked against what it accepts, in the words of the flags. */
export function checkDest(dest: DestSpec, o: { thin?: boolean; tags?: unknown }): void {
  if (o.thin && !destAccepts(dest).thin) {
    throw new UsageError('--thin writes a docker-archive (a file or -) or into docker-daemon: only (an OCI layout must hold every blob)');
  }
  if (dest.tag && o.tags) throw new UsageError(`${dest.text}: give the tag either in the output name or with --tag/--add-tag, not both`);
}

/** A progress bar on standard error; none with -q or --json (or off a terminal). */
export function progressFor(label: string, o: { quiet?: boolean; json?: boolean }): Progress {
  return new Progress(label, !!(o.quiet || o.json));
}

/**
 * Prints a command's report: JSON on standard output (on standard error when the output is standard output), or
 * the text on standard error unless -q.
 */
export function printReport<R>(report: R, o: { json?: boolean; quiet?: boolean; output?: string }, render: (r: R) => string): void {
  if (o.json && o.output === '-') process.stderr.write(JSON.stringify(report, null, 2) + '\n');
  else if (o.json) printJson(report);
  else if (!o.quiet) process.stderr.write(render(report) + '\n');
}
