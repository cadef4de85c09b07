/**
 * What `verify` and `inspect` say about part files: each part alone (header, size and, for verify, its checksum)
 * and, when several parts or a folder are given, whether they make one whole set.
 */
import { stat } from 'node:fs/promises';
import type { ErrorCode } from '../errors.js';
import { checkPart } from './part-payload.js';
import { expandPartInputs, scanParts } from './scan.js';

export interface PartEntry {
  file: string;
  number?: number;
  count?: number;
  setId?: string;
  /** The payload bytes this part holds: from `offset`, `length` of them. */
  offset?: number;
  length?: number;
  /** The whole payload's length. */
  total?: number;
  size?: number;
  /** sha256 of its payload, when its checksum was checked and held. */
  payloadDigest?: string;
  ok: boolean;
  problem?: string;
  /** The problem's error code (src/errors.ts). */
  code?: ErrorCode;
}

export interface PartsReport {
  schema: 'stowage.parts/v1';
  /** OUT, the name the parts are numbered after. */
  name: string;
  setId?: string;
  count?: number;
  total?: number;
  /** Whether every payload byte was checked against its part's checksum (verify) or headers and sizes only (inspect). */
  checksums: boolean;
  /** Whether the parts were checked as a set (several given, or a folder): complete, one set, each number once. */
  asSet: boolean;
  /** As a set: every part from 1 to the count is there, once, sound. */
  complete?: boolean;
  ok: boolean;
  parts: PartEntry[];
  /** Every problem, one line each. */
  problems: string[];
}

/** Checks part files (or folders of them): each alone, and together as a set when more than one file is given. */
export async function checkParts(inputs: string[], opts: { checksums: boolean; setId?: string }): Promise<PartsReport> {
  const alone = inputs.length === 1 && !(await stat(inputs[0]!).then((s) => s.isDirectory(), () => false));
  const files = await expandPartInputs(inputs);
  const parts: PartEntry[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const c = await checkPart(file, { checksum: opts.checksums });
    const h = c.head;
    parts.push({
      file, ok: c.ok,
      ...(h ? { number: h.number, count: h.count, setId: h.setId, offset: h.offset, length: h.length, total: h.total, size: h.size } : {}),
      ...(c.payloadDigest ? { payloadDigest: c.payloadDigest } : {}),
      ...(c.problem ? { problem: c.problem, code: c.code ?? 'invalid' } : {}),
    });
    if (c.problem) problems.push(c.problem);
  }
  const first = parts.find((p) => p.setId);
  const report: PartsReport = {
    schema: 'stowage.parts/v1', name: '', checksums: opts.checksums, asSet: !alone, ok: false, parts, problems,
  };
  if (alone) {
    report.name = files[0]!;
    if (first) Object.assign(report, { setId: first.setId, count: first.count, total: first.total });
  } else {
    const scan = await scanParts(files, opts.setId ? { setId: opts.setId } : {});
    report.name = scan.name;
    if (scan.setId) report.setId = scan.setId;
    if (scan.count !== undefined) Object.assign(report, { count: scan.count, total: scan.total });
    for (const p of scan.problems) {
      if (!problems.includes(p.message)) problems.push(p.message);
      const entry = p.file ? parts.find((e) => e.file === p.file) : undefined;
      if (entry && entry.ok) Object.assign(entry, { ok: false, problem: p.message, code: p.code });
    }
    // Set problems (missing, duplicated) first: they say what to fetch.
    const setLevel = scan.problems.filter((p) => !p.file).map((p) => p.message);
    report.problems = [...setLevel, ...problems.filter((m) => !setLevel.includes(m))];
    report.complete = report.problems.length === 0;
  }
  report.ok = report.problems.length === 0;
  return report;
}
