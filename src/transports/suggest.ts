/**
 * What to say when a source names no file: a new user types `stowage inspect alpine` (an engine or registry image)
 * or mistypes a transport (`dockerdaemon:app`); both should hear which name would work.
 */
import { TRANSPORTS as TABLE } from './table.js';

/** The transports' names without their colon (docker-daemon, docker-archive, oci-archive, oci, docker). */
const transportNames = () => TABLE.flatMap((e) => (e.prefix ? [e.prefix.replace(/:(\/\/)?$/, '')] : []));

/** Letters and digits only, so `dockerdaemon`, `docker_daemon` and `Docker-Daemon` all compare equal. */
const squeeze = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** A transport the text's prefix (before its first colon) looks like a misspelling of, if any. */
export function misspelledTransport(text: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9_.-]*):(.*)$/.exec(text);
  if (!m) return undefined;
  const typed = m[1]!;
  if (typed.toLowerCase() === 'docker') return `docker://${m[2]!.replace(/^\/+/, '')}`; // docker:alpine
  for (const t of transportNames()) {
    if (typed === t) continue;
    if (squeeze(typed) === squeeze(t) || (typed.length >= 4 && editDistance(typed.toLowerCase(), t) <= 2)) {
      const rest = m[2]!.replace(/^\/\//, '');
      return t === 'docker' ? `docker://${rest}` : `${t}:${rest}`;
    }
  }
  return undefined;
}

/** Whether the text could be an image reference (NAME[:TAG|@DIGEST]) rather than a path. */
function looksLikeReference(text: string): boolean {
  if (text.startsWith('.') || text.startsWith('/') || text.startsWith('~')) return false;
  if (/\.(tar|tgz|gz|zst|json)(:|$)/.test(text)) return false;
  return /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/.test(text);
}

/** The one-line error for a source that names no file or directory. */
export function noSuchSource(text: string): string {
  const typo = misspelledTransport(text);
  if (typo) return `${text}: no such file or directory; did you mean ${typo}?`;
  if (looksLikeReference(text)) {
    return `${text}: no such file or directory; for an image of the Docker engine say docker-daemon:${text}, for a registry docker://${text}`;
  }
  return `${text}: no such file or directory`;
}
