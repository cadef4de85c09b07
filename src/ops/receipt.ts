/**
 * `apply --receipt FILE`: what the site holds once a delta or bundle has landed, written in the form `stowage have`
 * writes and `bundle --site` reads, to be carried back to the sender for the next release. It is read from the
 * destination itself after the commit (never from the delta's word): the engine's images, the layout's, or the
 * repositories of a site registry the images landed in.
 */
import { existsSync } from 'node:fs';
import { withOutput } from '../fs/atomic-output.js';
import { parseReference, repositoryName } from '../oci/reference.js';
import { splitPrefix } from '../transports/spec.js';
import { mergeHave, type HaveSet } from './have.js';
import { haveFromSource } from './have-sources.js';

/** The sources `have` reads to record what `output` holds now; `landed`: the registry references written. */
export function receiptSources(output: string, landed: string[] = []): string[] {
  const p = splitPrefix(output);
  if (p?.transport === 'docker-daemon') return ['docker-daemon:'];
  if (p?.transport === 'docker') {
    const refs = landed.length ? landed : [output];
    // Every tag of each repository written to: the site's state, not just this release.
    return [...new Set(refs.map((r) => `docker://${repositoryName(parseReference(r.replace(/^docker:\/\//, '')))}`))];
  }
  if (p?.transport === 'oci') return [`oci:${existsSync(p.rest) ? p.rest : p.rest.replace(/:[^/:]*$/, '')}`];
  return [output];
}

export async function writeReceipt(file: string, output: string, landed: string[] = []): Promise<HaveSet> {
  const sets: HaveSet[] = [];
  for (const s of receiptSources(output, landed)) sets.push(await haveFromSource(s));
  const have = mergeHave(sets);
  await withOutput(file, async (out) => {
    out.stream.write(JSON.stringify(have.toFile(), null, 2) + '\n');
  });
  return have;
}
