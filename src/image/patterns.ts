/**
 * The patterns the removing edits take (`--label-rm 'org.opencontainers.*'`): `*` any run of characters (slashes
 * too), `?` one character; anything else is literal. Shared by the value checks (a pattern is not checked as a path
 * or a port) and the editors (which keys it removes).
 */

export function isPattern(s: string): boolean {
  return /[*?]/.test(s);
}

/** A test for one name: equality for a plain name, the whole name against the pattern otherwise. */
export function matcher(pattern: string): (s: string) => boolean {
  if (!isPattern(pattern)) return (s) => s === pattern;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]') + '$');
  return (s) => re.test(s);
}
