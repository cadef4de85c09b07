/** The name of one entry of a config's `Env` (`NAME=value`; an entry without `=` is all name, as docker reads it). */
export function envName(entry: string): string {
  const i = entry.indexOf('=');
  return i === -1 ? entry : entry.slice(0, i);
}
