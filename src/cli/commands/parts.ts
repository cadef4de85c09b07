/** `verify` and `inspect` of part files (docs/parts-format.md): loaded only when the sources are parts. */
import { StowageError, ReportedFailure } from '../../errors.js';
import { checkParts, type PartEntry, type PartsReport } from '../../parts/check-parts.js';
import { shortSet, type PartHeader } from '../../parts/format.js';
import { readPartStream } from '../../parts/part-stream.js';
import { plural } from '../format.js';
import { print, printJson } from '../output.js';

function bytesWords(e: PartEntry): string {
  return e.length ? `payload bytes ${e.offset}..${e.offset! + e.length - 1}` : 'no payload bytes (an empty payload)';
}

/** `OUT.003: part 3 of 7 of set sha256:…, payload bytes A..B, checksum OK`, or the part's problem. */
export function partLine(e: PartEntry, checksums: boolean): string {
  if (!e.ok) return e.problem!;
  const checked = checksums ? 'checksum OK' : 'header and size OK (the checksum is checked by stowage verify)';
  return `${e.file}: part ${e.number} of ${e.count} of set ${shortSet(e.setId!)}, ${bytesWords(e)}, ${checked}`;
}

export function renderParts(r: PartsReport, quiet = false): string[] {
  const out = r.parts.filter((p) => !quiet || !p.ok).map((p) => partLine(p, r.checksums));
  if (r.asSet && r.ok && !quiet) {
    const how = r.checksums ? 'every checksum OK' : 'every header and size OK';
    out.push(`${r.name}: ${plural(r.count!, 'part')} of set ${shortSet(r.setId!)}, ${r.total} payload bytes: complete, ${how}`);
  }
  return out;
}

async function run(sources: string[], opts: { json?: boolean; quiet?: boolean }, checksums: boolean): Promise<void> {
  const report = await checkParts(sources, { checksums });
  if (opts.json) {
    printJson(report);
    if (!report.ok) throw new ReportedFailure('part check failed');
    return;
  }
  if (!report.asSet) {
    // One part alone: one line, on standard output when it holds, as the error when it does not.
    if (!report.ok) throw new StowageError(report.problems[0]!, { code: report.parts[0]?.code ?? 'invalid' });
    if (!opts.quiet) print(partLine(report.parts[0]!, checksums));
    return;
  }
  const lines = renderParts(report, opts.quiet);
  if (lines.length) print(lines.join('\n'));
  if (!report.ok) {
    // The set's problems (missing, given twice) are said once more, as the one error line.
    const shown = report.problems.slice(0, 4);
    if (report.problems.length > shown.length) shown.push(`and ${report.problems.length - shown.length} more`);
    throw new StowageError(shown.join('; '));
  }
}

/** `stowage verify OUT.003` (a part alone) or `stowage verify OUT.001 OUT.002 ...` / a folder (a set). */
export function runPartVerify(sources: string[], opts: { json?: boolean; quiet?: boolean }): Promise<void> {
  return run(sources, opts, true);
}

/** `stowage inspect OUT.003`: the header's facts, its size checked, no payload read. */
export function runPartInspect(sources: string[], opts: { json?: boolean }): Promise<void> {
  // Parts on standard input are read to their end whatever is asked: inspect says what verify says.
  if (sources[0] === '-') return runPartStreamVerify(opts);
  return run(sources, opts, false);
}

/** `cat OUT.001 OUT.002 ... | stowage verify -`: the parts on standard input, in order, each proved. */
export async function runPartStreamVerify(opts: { json?: boolean; quiet?: boolean }): Promise<void> {
  const headers: PartHeader[] = [];
  let bytes = 0;
  try {
    for await (const b of readPartStream(process.stdin, { onPart: (h) => headers.push(h) })) bytes += b.length;
  } catch (e) {
    if (!opts.json || !(e instanceof StowageError)) throw e;
    printJson(streamReport(headers, e.message));
    throw new ReportedFailure('part check failed');
  }
  const last = headers[headers.length - 1]!;
  if (opts.json) printJson(streamReport(headers));
  else if (!opts.quiet) print(`standard input: ${plural(last.count, 'part')} of set ${shortSet(last.setId)}, ${bytes} payload bytes, in order: complete, every checksum OK`);
}

function streamReport(headers: PartHeader[], problem?: string): PartsReport {
  const first = headers[0];
  return {
    schema: 'stowage.parts/v1', name: 'standard input', checksums: true, asSet: true, complete: !problem, ok: !problem,
    ...(first ? { setId: first.setId, count: first.count, total: first.total } : {}),
    parts: headers.map((h) => ({ file: 'standard input', number: h.number, count: h.count, setId: h.setId, offset: h.offset, length: h.length, total: h.total, ok: true })),
    problems: problem ? [problem] : [],
  };
}
