/**
 * Encoding JSON exactly as Go's encoding/json does. moby computes legacy v1 layer IDs by hashing Go-marshalled
 * JSON, so to reproduce those names byte for byte we must escape strings, order keys and format times as Go does;
 * and the configs and manifests stowage writes are encoded the same way (`goJson`), so their bytes are deterministic
 * and read as docker's own.
 */

const HEX = '0123456789abcdef';

/** A JSON string literal as Go's json.Marshal writes it (HTML-safe escaping, as Go does by default). */
export function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else {
        out += '\\ufffd'; // Go replaces invalid UTF-8 (a lone surrogate here) with U+FFFD
      }
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\\ufffd';
      continue;
    }
    switch (c) {
      case 0x22: out += '\\"'; continue;
      case 0x5c: out += '\\\\'; continue;
      case 0x0a: out += '\\n'; continue;
      case 0x0d: out += '\\r'; continue;
      case 0x09: out += '\\t'; continue;
    }
    // Go (before 1.22, which built the dockerd versions that write v1 names) escapes every other control
    // character, and <, >, &, U+2028, U+2029, as \u00XX.
    if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += '\\u' + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
      continue;
    }
    out += s[i];
  }
  return out + '"';
}

/** Go sorts map keys by their UTF-8 bytes; JavaScript's default sort compares UTF-16 units, which differs. */
export function goSortedKeys(obj: object): string[] {
  return Object.keys(obj).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** A map[string]string or map[string]struct{} the way Go marshals it: keys sorted, values encoded by `value`. */
export function goMap(obj: Record<string, unknown>, value: (v: unknown) => string): string {
  return '{' + goSortedKeys(obj).map((k) => goString(k) + ':' + value(obj[k])).join(',') + '}';
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * A time as Go's time.Time marshals it after parsing `s` (RFC 3339): the fraction without trailing zeros (at most 9
 * digits), the offset kept, a zero offset written as Z. Returns undefined where Go would refuse the input.
 */
export function goTime(s: string): string | undefined {
  const m = TIME_RE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac, off] = m;
  let fraction = (frac ?? '').slice(0, 9).replace(/0+$/, '');
  if (fraction) fraction = '.' + fraction;
  let zone = off!.toUpperCase();
  if (zone === '+00:00' || zone === '-00:00') zone = 'Z';
  return `${y}-${mo}-${d}T${h}:${mi}:${se}${fraction}${zone}`;
}

/** Go's zero time.Time, which is what an absent `created` unmarshals to. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * A value as Go's encoding/json writes it, compact, strings escaped as above, keeping the key order of each object
 * (a config decoded into Go structs and written back keeps its fields in order; stowage keeps the order it read, so
 * the same value always gives the same bytes). `undefined` members are left out, as `omitempty` would.
 */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  if (Array.isArray(v)) return '[' + v.map((x) => (x === undefined ? 'null' : goJson(x))).join(',') + ']';
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) parts.push(goString(k) + ':' + goJson(x));
    return '{' + parts.join(',') + '}';
  }
  throw new Error(`internal: cannot encode ${typeof v}`);
}
