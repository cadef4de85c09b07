/** `stowage local`: every image of a Docker engine, with when and how it arrived, each time labelled. */
import type { Command } from 'commander';
import { local, type LocalReport, type TimeFact } from '../../ops/local.js';
import { formatBytes } from '../format.js';
import { print, printJson } from '../output.js';

const KIND: Record<TimeFact['kind'], string> = { engine: 'recorded by the engine', image: 'recorded in the image', inferred: 'inferred' };

function fact(f: TimeFact | null): string {
  return f ? `${f.time}  (${KIND[f.kind]})` : '-';
}

export function renderLocal(r: LocalReport): string {
  const out: string[] = [`${r.engine ?? 'no engine'}${r.dataRoot ? `, data root ${r.dataRoot}` : ''}: ${r.images.length} images`];
  if (r.dataRootNote) out.push(`note: ${r.dataRootNote}`);
  for (const i of r.images) {
    out.push('', `${i.tags.join(', ') || '<untagged>'}  ${i.imageId}  ${i.size === null ? '' : formatBytes(i.size)}`);
    const rows: [string, string][] = [
      ['Created', fact(i.created)],
      ['Last tagged', fact(i.lastTagged)],
      ['Stored', fact(i.stored)],
      ['Top layer', fact(i.topLayerRegistered)],
      ['Arrived by', `${i.arrival.how}: ${i.arrival.evidence.join('; ')}`],
    ];
    if (i.repoDigests.length) rows.push(['Repo digests', i.repoDigests.join(', ')]);
    if (i.sharesWith.length) {
      const top = i.sharesWith.slice(0, 4).map((s) => `${s.layers}/${i.layers.length} layers with ${s.image}`);
      if (i.sharesWith.length > 4) top.push(`and ${i.sharesWith.length - 4} more`);
      rows.push(['Shares', top.join('; ')]);
    }
    const w = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) out.push(`  ${k.padEnd(w)}  ${v}`);
  }
  out.push('', 'Times: "recorded by the engine" is kept by dockerd itself; "recorded in the image" was written by the builder;',
    '"inferred" comes from the modification time of the engine\'s own files (Stored: last pull, load, build or commit;',
    'Top layer: when that layer first arrived). The engine keeps no pull time of its own.');
  return out.join('\n');
}

export function registerLocal(program: Command): void {
  program
    .command('local')
    .summary('what the Docker engine knows about its images: when and how each arrived, what they share')
    .option('--data-root <dir>', 'the engine\'s data root (default: the one the engine reports, when readable here)')
    .option('-a, --all', 'also the intermediate images of builds (as docker images -a)')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Talks to the engine DOCKER_HOST names (no docker CLI). With --data-root and no engine running, reads the data
root alone.
Examples:
  stowage local
  stowage local --json | jq '.images[] | {tags, stored: .stored.time}'
  stowage local --data-root /var/lib/docker`)
    .action(async (opts: { dataRoot?: string; json?: boolean; all?: boolean }) => {
      const r = await local({ ...(opts.dataRoot ? { dataRoot: opts.dataRoot } : {}), all: !!opts.all });
      if (opts.json) printJson(r);
      else print(renderLocal(r));
    });
}
