/** `stowage apply DELTA --base SOURCE... -o OUT`: rebuild full images from a thin archive and its base. */
import { describeTagMoves } from '../../transports/dest.js';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { toOutput } from '../reader-gone.js';
import { apply } from '../../ops/apply.js';
import { openSource, openSources } from '../../transports/open.js';
import type { ImageSource } from '../../image/model.js';
import { formatBytes, plural } from '../format.js';
import { collect, parseLayout, printReport, progressFor } from '../output-options.js';
import { patchDeltaOf } from '../../transports/patch-delta/source.js';

export function registerApply(program: Command): void {
  program
    .command('apply')
    .summary('rebuild complete images from a thin archive plus its base (for any engine or registry)')
    .argument('<delta...>', 'the thin archive, patch delta or bundle (a file, or - for standard input); a bundle\'s parts: files, folders, or - for parts one after another')
    .option('--base <source>', 'where the left-out layers are: archives, layouts, docker-daemon:NAME (repeatable)', collect, [] as string[])
    .requiredOption('-o, --output <out>', 'a file, - for standard output, docker-daemon: to load into the engine, oci:DIR, oci-archive:PATH')
    .option('--layout <legacy|oci>', 'docker-archive layout of the output', 'legacy')
    .option('--receipt <file>', 'a patch delta or bundle: afterwards, record what the destination holds (a have file, for bundle --site)')
    .option('--json', 'print a JSON report')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', `
Every DiffID is verified on the way. The output is a complete archive every engine, podman and skopeo take.
Examples:
  stowage apply app-2.delta.tar --base app-1.tar -o app-2.tar
  stowage apply app-2.delta.tar --base docker-daemon:app:1 -o docker-daemon:
  stowage apply app-2.delta.tar --base app-1.tar -o - | docker load
  stowage apply app-2.patch --base docker-daemon: -o docker-daemon:     (a patch delta: delta --patch)
  stowage apply /media/dvd1/ /media/dvd2/ -o docker-daemon:   (a bundle's parts, any order; missing ones named)
  stowage apply release-3.bundle -o docker://registry.site:5000/ --receipt site.json   (a bundle: the bases are
      read from the destination; a registry's root takes each image under its own name)`)
    .action(async (deltaPaths: string[], opts: { base: string[]; output: string; layout: string; json?: boolean; quiet?: boolean; receipt?: string }) => {
      await toOutput(opts.output, () => run(deltaPaths, opts));
    });
}

async function run(deltaPaths: string[], opts: { base: string[]; output: string; layout: string; json?: boolean; quiet?: boolean; receipt?: string }): Promise<void> {
  const layout = parseLayout(opts.layout) ?? 'legacy';
  // A patch delta (delta --patch) or a bundle (a file, its parts, -) is rebuilt layer by layer from the base's
  // files; with no --base, the bases are read from the destination. Otherwise a thin archive.
  const several = `apply takes one delta (several only when they are a bundle's parts): ${deltaPaths.slice(1).join(', ')} ${deltaPaths.length === 2 ? 'is not' : 'are not'} parts of it`;
  const delta = await openSources(deltaPaths, { seekable: true, also: ['patch-delta'] }, several);
  const patch = patchDeltaOf(delta);
  if (patch) {
    try {
      return await (await import('./patch-apply.js')).runPatchApply(patch, opts.base, opts.output, { ...opts, layout });
    } finally {
      await delta.close();
    }
  }
  if (opts.receipt || !opts.base.length) await delta.close();
  if (opts.receipt) throw new UsageError('--receipt is for a patch delta or a bundle; after a thin archive, run stowage have on the destination');
  if (!opts.base.length) throw new UsageError('apply needs --base SOURCE: the image the delta was made against');
  const bases: ImageSource[] = [];
  try {
    for (const b of opts.base) bases.push(await openSource(b, { seekable: true }));
    const progress = progressFor('writing', { quiet: opts.quiet });
    let done = 0;
    const r = await apply(delta, bases, opts.output, { layout, onLayer: (n) => progress.update((done += n)) });
    progress.done();
    // With the archive on standard output, reports go to standard error.
    printReport(r, opts, (r) => [
      ...r.images.map((i) => `${i.tags.join(', ') || i.imageId}: ${plural(i.fromDelta, 'layer')} from the delta, ${plural(i.fromBase, 'layer')} from the base, DiffIDs verified`),
      r.loaded ? `loaded into the engine: ${r.loaded.join('; ')}` : `${formatBytes(r.bytes)} written to ${opts.output}`,
      ...describeTagMoves(r.tagged ?? []).map((l) => `  ${l}`),
    ].join('\n'));
  } finally {
    await delta.close();
    for (const b of bases) await b.close();
  }
}
