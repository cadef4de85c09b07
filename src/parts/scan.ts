/**
 * The cheap pass over a part set: every header and every size, no payload. It says, by number, which parts are
 * missing, given twice, from another set, truncated or of the wrong size, before a reader consumes anything, so a
 * command can refuse to start what it could not finish.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StowageError, type ErrorCode } from '../errors.js';
import { fsError } from '../fs/fs-errors.js';
import { shortSet } from './format.js';
import { isPartFile, readPartHead, sizeProblem, type PartFile } from './head.js';

export type PartProblemKind = 'missing' | 'duplicated' | 'foreign' | 'truncated' | 'wrong-size' | 'not-a-part' | 'mismatch' | 'damaged';

export interface PartProblem {
  kind: PartProblemKind;
  /** The file it is about (absent for missing parts). */
  file?: string;
  /** The part numbers it is about (missing, duplicated). */
  numbers?: number[];
  message: string;
  code: ErrorCode;
}

export interface PartScan {
  /** OUT, the name the set's parts are numbered after (for messages). */
  name: string;
  /** The set the parts were taken to be of (the caller's, or the one most parts are of). */
  setId?: string;
  count?: number;
  total?: number;
  partPayload?: number;
  /** The sound parts of the set, part 1 first (some numbers may lack one: see problems). */
  parts: PartFile[];
  /** Every file looked at, in the order given, with its header when it had a readable one. */
  files: { file: string; head?: PartFile; problem?: PartProblem }[];
  problems: PartProblem[];
}

export interface ScanOptions {
  /** The set the parts must be of (`sha256:<hex>`); default: the set most of the given parts are of. */
  setId?: string;
}

const NUMBERED = /\.\d{3,}$/;

/** The set name a part file is numbered after: `dir/OUT.003` -> `dir/OUT`. */
export function setNameOf(file: string): string {
  return NUMBERED.test(file) ? file.replace(NUMBERED, '') : file;
}

/**
 * The files the inputs name: a file is itself, a folder gives the files in it that are parts (or are named like
 * one: `X.001`, so a broken part is not passed over in silence).
 */
export async function expandPartInputs(inputs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = await stat(input);
    } catch (e) {
      throw fsError(e, input);
    }
    if (!st.isDirectory()) {
      out.push(input);
      continue;
    }
    let names: string[];
    try {
      names = (await readdir(input)).sort();
    } catch (e) {
      throw fsError(e, input);
    }
    const found: string[] = [];
    for (const n of names) {
      const p = join(input, n);
      if (n.startsWith('.')) continue; // temporary parts of a writer (.OUT.001.stowage-PID-X.tmp), hidden files
      if (NUMBERED.test(n) || (await isPartFile(p))) found.push(p);
    }
    if (!found.length) throw new StowageError(`${input}: holds no part files (OUT.001, OUT.002, ...)`, { code: 'not-found' });
    out.push(...found);
  }
  return out;
}

/** `3`, `3 and 5`, `3, 5 and 9-12`: numbers in order, runs as ranges. */
export function numberList(ns: number[]): string {
  const sorted = [...new Set(ns)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(j - i >= 2 ? `${sorted[i]}-${sorted[j]}` : j === i ? `${sorted[i]}` : `${sorted[i]}, ${sorted[j]}`);
    i = j + 1;
  }
  const words = runs.join(', ').split(', ');
  return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** `parts 3 and 5 of 7 are missing`. */
export function missingWords(ns: number[], count: number): string {
  const plural = ns.length > 1;
  return `${plural ? 'parts' : 'part'} ${numberList(ns)} of ${count} ${plural ? 'are' : 'is'} missing`;
}

function mostCommon<T>(items: T[], key: (t: T) => string): string | undefined {
  const counts = new Map<string, number>();
  for (const t of items) counts.set(key(t), (counts.get(key(t)) ?? 0) + 1);
  let best: string | undefined;
  let n = 0;
  for (const [k, c] of counts) if (c > n) [best, n] = [k, c]; // a tie goes to the first given
  return best;
}

const shape = (p: PartFile) => `${p.count}/${p.total}/${p.partPayload}`;

/** Reads every header and size the inputs (files or folders of parts) give and says what is wrong with the set. */
export async function scanParts(inputs: string[], opts: ScanOptions = {}): Promise<PartScan> {
  const files = await expandPartInputs(inputs);
  const looked: PartScan['files'] = [];
  const heads: PartFile[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    let head: PartFile;
    try {
      head = await readPartHead(file);
    } catch (e) {
      if (!(e instanceof StowageError)) throw e;
      const kind: PartProblemKind = e.code === 'truncated' ? 'truncated' : e.code === 'tampered' ? 'damaged' : 'not-a-part';
      looked.push({ file, problem: { kind, file, message: e.message, code: e.code } });
      continue;
    }
    const id = `${head.dev}:${head.ino}`;
    if (seen.has(id)) continue; // the same file named twice (OUT.* and its folder): one file
    seen.add(id);
    looked.push({ file, head });
    heads.push(head);
  }
  const setId = opts.setId ?? mostCommon(heads, (h) => h.setId);
  const ours = heads.filter((h) => h.setId === setId);
  const shapeKey = mostCommon(ours, shape);
  const ref = ours.find((h) => shape(h) === shapeKey);
  const name = setNameOf(ref?.file ?? files[0] ?? 'parts');
  const byNumber = new Map<number, PartFile[]>();
  for (const entry of looked) {
    const h = entry.head;
    if (!h) continue;
    if (h.setId !== setId) {
      const why = opts.setId ? `not ${shortSet(setId!)}, the one asked for` : `not ${shortSet(setId!)} as the other parts`;
      entry.problem = { kind: 'foreign', file: h.file, message: `${h.file}: from another bundle (set ${shortSet(h.setId)}, ${why})`, code: 'invalid' };
    } else if (shape(h) !== shapeKey) {
      entry.problem = {
        kind: 'mismatch', file: h.file, code: 'invalid',
        message: `${h.file}: says part ${h.number} of ${h.count} (${h.total} bytes in parts of ${h.partPayload}), the other parts of its set say ${ref!.count} (${ref!.total} in parts of ${ref!.partPayload}): altered`,
      };
    } else {
      const sp = sizeProblem(h);
      if (sp) entry.problem = { kind: sp.code === 'truncated' ? 'truncated' : 'wrong-size', file: h.file, message: sp.message, code: sp.code };
      const list = byNumber.get(h.number) ?? [];
      list.push(h);
      byNumber.set(h.number, list);
    }
  }
  const problems: PartProblem[] = [];
  const parts: PartFile[] = [];
  if (ref) {
    const missing: number[] = [];
    // A file named as part N whose own problem is told (truncated to nothing, a damaged header, another set's)
    // stands for part N: it is not said missing as well.
    const named = new Set(looked.filter((e) => e.problem).map((e) => e.file));
    const width = Math.max(3, String(ref.count).length);
    for (let n = 1; n <= ref.count; n++) {
      const list = byNumber.get(n);
      if (!list) {
        if (!named.has(`${name}.${String(n).padStart(width, '0')}`)) missing.push(n);
      }
      else if (list.length > 1) {
        problems.push({
          kind: 'duplicated', numbers: [n], code: 'invalid',
          message: `${name}: part ${n} of ${ref.count} is given ${list.length} times (${list.map((p) => p.file).join(', ')}); give one`,
        });
      } else if (!looked.find((e) => e.head === list[0])?.problem) parts.push(list[0]!);
    }
    if (missing.length) problems.unshift({ kind: 'missing', numbers: missing, message: `${name}: ${missingWords(missing, ref.count)}`, code: 'not-found' });
  }
  for (const e of looked) if (e.problem) problems.push(e.problem);
  if (!ref && (opts.setId || !problems.length)) {
    const which = opts.setId ? `of set ${shortSet(opts.setId)} ` : '';
    problems.unshift({ kind: 'missing', message: `${name}: no part ${which}among the ${files.length} files given`, code: 'not-found' });
  }
  return {
    name, parts, files: looked, problems,
    ...(setId !== undefined ? { setId } : {}),
    ...(ref ? { count: ref.count, total: ref.total, partPayload: ref.partPayload } : {}),
  };
}

/** The scan's problems as one line (the first few, then how many more), with the code of the first. */
export function scanError(scan: PartScan): StowageError | undefined {
  if (!scan.problems.length) return undefined;
  const shown = scan.problems.slice(0, 6).map((p) => p.message);
  if (scan.problems.length > shown.length) shown.push(`and ${scan.problems.length - shown.length} more problems`);
  return new StowageError(shown.join('; '), { code: scan.problems[0]!.code });
}
