/** Parsing untrusted JSON documents with one-line errors that say which document is wrong. */
import { StowageError } from '../errors.js';
import { JSON_DEPTH } from '../limits.js';

/**
 * How deep arrays and objects nest in a JSON text (outside strings), in one pass: a 100,000-deep array parses, but
 * every recursive walk after it (an edit, a diff, a copy of the config) would overflow the stack.
 */
function nesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

export function parseJson(bytes: Buffer | string, what: string): unknown {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  if (text.trim() === '') throw new StowageError(`${what}: empty file, expected JSON`);
  const depth = nesting(text);
  if (depth > JSON_DEPTH) throw new StowageError(`${what}: JSON nested ${depth} deep, over the limit of ${JSON_DEPTH}; refused`, { code: 'limit' });
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message.replace(/^JSON\.parse: /, '').split('\n')[0];
    throw new StowageError(`${what}: invalid JSON (${msg})`);
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function expectRecord(v: unknown, what: string): Record<string, unknown> {
  if (!isRecord(v)) throw new StowageError(`${what}: expected a JSON object, found ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  return v;
}

export function expectArray(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new StowageError(`${what}: expected a JSON array, found ${v === null ? 'null' : typeof v}`);
  return v;
}

export function optString(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new StowageError(`${what}: expected a string`);
  return v;
}

export function stringMap(v: unknown, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const r = expectRecord(v, what);
  for (const [k, x] of Object.entries(r)) if (typeof x !== 'string') throw new StowageError(`${what}.${k}: expected a string`);
  return r as Record<string, string>;
}
