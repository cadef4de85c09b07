/**
 * WWW-Authenticate challenges (RFC 7235): `Bearer realm="https://auth/token",service="registry",scope="..."` or
 * `Basic realm="..."`. A header may hold several challenges; parameter values may be quoted with escapes.
 */

export interface Challenge {
  scheme: string; // lower case: 'bearer', 'basic'
  params: Record<string, string>;
}

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const texts = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const text of texts) {
    let i = 0;
    let current: Challenge | undefined;
    const skip = () => { while (i < text.length && /[\s,]/.test(text[i]!)) i++; };
    while (i < text.length) {
      skip();
      const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)/.exec(text.slice(i));
      if (!m) break;
      const token = m[1]!;
      i += token.length;
      while (text[i] === ' ') i++;
      if (text[i] === '=') {
        // A parameter of the current challenge.
        i++;
        while (text[i] === ' ') i++;
        let value = '';
        if (text[i] === '"') {
          i++;
          while (i < text.length && text[i] !== '"') {
            if (text[i] === '\\' && i + 1 < text.length) i++;
            value += text[i++];
          }
          i++;
        } else {
          const v = /^[^\s,]*/.exec(text.slice(i))![0];
          value = v;
          i += v.length;
        }
        if (current) current.params[token.toLowerCase()] = value;
      } else {
        current = { scheme: token.toLowerCase(), params: {} };
        out.push(current);
      }
    }
  }
  return out;
}
