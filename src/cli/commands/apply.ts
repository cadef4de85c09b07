/** `stowage apply DELTA --base SOURCE... -o OUT`: rebuild full images from a thin archive and its base. */
import { describeTagMoves } from '../../transports/dest.js';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { apply } from '../../ops/apply.js';
import { openSource } from '../../transports/open.js';
import type { ImageSource } from '../../image/model.js';
import { formatBytes, plural } from '../format.js';
import { Progress, printJson } from '../output.js';
import { isPatchDelta } from '../../patch/read-delta.js';
import { runPatchApply } from './patch.js';

export function registerApply(program: Command): void {
  program
    .command('apply')
    .summary('rebuild complete images from a thin archive plus its base (for any engine or registry)')
    .argument('<delta>', 'the thin archive (a file, or - for standard input)')
    .option('--base <source>', 'where the left-out layers are: archives, layouts, docker-daemon:NAME (repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .requiredOption('-o, --output <out>', 'a file, - for standard output, docker-daemon: to load into the engine, oci:DIR, oci-archive:PATH')
    .option('--layout <legacy|oci>', 'docker-archive layout of the output', 'legacy')
    .option('--json', 'print a JSON report')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', `
Every DiffID is verified on the way. The output is a complete archive every engine, podman and skopeo take.
Examples:
  stowage apply app-2.delta.tar --base app-1.tar -o app-2.tar
  stowage apply app-2.delta.tar --base docker-daemon:app:1 -o docker-daemon:
  stowage apply app-2.delta.tar --base app-1.tar -o - | docker load
  stowage apply app-2.patch --base docker-daemon: -o docker-daemon:     (a patch delta: delta --patch)`)
    .action(async (deltaPath: string, opts: { base: string[]; output: string; layout: string; json?: boolean; quiet?: boolean }) => {
      if (!opts.base.length) throw new UsageError('apply needs --base SOURCE: the image the delta was made against');
      if (opts.layout !== 'legacy' && opts.layout !== 'oci') throw new UsageError(`--layout must be legacy or oci, not ${JSON.stringify(opts.layout)}`);
      // A patch delta (delta --patch) is rebuilt layer by layer from the base's files.
      if (await isPatchDelta(deltaPath)) return runPatchApply(deltaPath, opts.base, opts.output, { ...opts, layout: opts.layout as 'legacy' | 'oci' });
      const delta = await openSource(deltaPath, { seekable: true });
      const bases: ImageSource[] = [];
      try {
        for (const b of opts.base) bases.push(await openSource(b, { seekable: true }));
        const progress = new Progress('writing', opts.quiet);
        let done = 0;
        const r = await apply(delta, bases, opts.output, { layout: opts.layout as 'legacy' | 'oci', onLayer: (n) => progress.update((done += n)) });
        progress.done();
        // With the archive on standard output, reports go to standard error.
        if (opts.json && opts.output === '-') process.stderr.write(JSON.stringify(r, null, 2) + '\n');
        else if (opts.json) printJson(r);
        else if (!opts.quiet) {
          for (const i of r.images) process.stderr.write(`${i.tags.join(', ') || i.imageId}: ${plural(i.fromDelta, 'layer')} from the delta, ${plural(i.fromBase, 'layer')} from the base, DiffIDs verified\n`);
          process.stderr.write(r.loaded ? `loaded into the engine: ${r.loaded.join('; ')}\n` : `${formatBytes(r.bytes)} written to ${opts.output}\n`);
          for (const l of describeTagMoves(r.tagged ?? [])) process.stderr.write(`  ${l}\n`);
        }
      } finally {
        await delta.close();
        for (const b of bases) await b.close();
      }
    });
}
