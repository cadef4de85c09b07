/** `stowage have SOURCE... -o FILE`: record what a target holds, for `delta --have` and `check --have`. */
import type { Command } from 'commander';
import { withOutput } from '../../fs/atomic-output.js';
import { haveFromSource } from '../../ops/have-sources.js';
import { mergeHave } from '../../ops/have.js';
import { plural } from '../format.js';

export function registerHave(program: Command): void {
  program
    .command('have')
    .summary('record the layers and images a target holds (for delta --have)')
    .argument('[source...]', 'docker-daemon: (every image of the engine), docker-daemon:NAME, docker://REGISTRY/REPO[:TAG] (every tag, or one), archives or layouts', ['docker-daemon:'])
    .option('-o, --output <file>', 'where to write the have file (- for standard output)', '-')
    .option('-q, --quiet', 'no summary on standard error')
    .option('--data-root <dir>', 'the engine\'s data root as seen from here, for reading the containerd store\'s manifests directly (default: the one the engine reports)')
    .addHelpText('after', `
On the containerd image store, have also records the blob each layer is stored as (what a thin archive must name):
it reads each image's manifest from containerd's content store when it can (root on the engine's host), else from
the engine's export, stopping once the manifest has gone by.
A target without stowage can record DiffIDs with: docker image inspect $(docker images -aq) > have.json
(on the containerd store that JSON names no blobs; check then assumes a base loaded from a docker save).
Examples:
  stowage have -o have.json                       # every image of the engine DOCKER_HOST names
  stowage have docker-daemon:app:1 -o have.json
  stowage have app-1.tar oci:./base -o have.json
  stowage have docker://registry.site.example/team/app -o have.json   # every tag of a site's registry`)
    .action(async (sources: string[], opts: { output: string; quiet?: boolean; dataRoot?: string }) => {
      const sets = [];
      for (const s of sources) sets.push(await haveFromSource(s, opts.dataRoot ? { dataRoot: opts.dataRoot } : {}));
      const have = mergeHave(sets);
      await withOutput(opts.output, async (out) => {
        out.stream.write(JSON.stringify(have.toFile(), null, 2) + '\n');
      });
      if (!opts.quiet) process.stderr.write(`${opts.output === '-' ? 'have' : opts.output}: ${plural(have.images.length, 'image')}, ${plural(have.chains.size, 'layer stack')}\n`);
    });
}
