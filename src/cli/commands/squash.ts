/** `stowage squash SOURCE -o OUT [--above BASE | --last N] [edit flags]`: merge layers into one. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { squash, type SquashReport } from '../../ops/squash.js';
import { parsePlatform } from '../../oci/platform.js';
import { openSource, pickOne } from '../../transports/open.js';
import { editNow } from '../edit-time.js';
import { addEditFlags, editRequestFrom, EDIT_ORDER_NOTE, type EditFlagValues } from '../edit-flags.js';
import { formatBytes, plural } from '../format.js';
import { warn } from '../output.js';
import { checkDest, checkOutputFlags, outputDest, printReport, progressFor } from '../output-options.js';
import { SOURCE_HELP } from '../source-help.js';

interface SquashCliOptions extends EditFlagValues {
  output?: string;
  above?: string;
  last?: string;
  format?: string;
  layout?: string;
  platform?: string;
  json?: boolean;
  quiet?: boolean;
  /** --no-verify */
  verify?: boolean;
}

export function renderSquash(r: SquashReport): string {
  const name = r.before.tags.join(', ') || r.before.imageId.slice(0, 19);
  const e = r.squashed.entries;
  const lines = [
    `${r.source}: ${name}, ${plural(r.before.layers, 'layer')} -> ${plural(r.after.layers, 'layer')}` +
      (r.kept ? ` (${r.squashed.count} merged; ${plural(r.kept, 'base layer')} kept byte for byte)` : ` (all ${r.squashed.count} merged)`),
    `  image ID  ${r.after.imageId}`,
    `  merged    DiffID ${r.squashed.diffId}, ${formatBytes(r.squashed.size)}: ${plural(e.files, 'file')}, ${plural(e.dirs, 'directory', 'directories')}, ` +
      `${plural(e.symlinks, 'symlink')}, ${plural(e.hardlinks, 'hard link')}; ${plural(e.shadowed, 'shadowed entry', 'shadowed entries')} dropped` +
      (e.whiteoutsKept ? `; ${plural(e.whiteoutsKept, 'whiteout')} kept for the base` : ''),
  ];
  if (r.after.tags.join() !== r.before.tags.join()) lines.push(`  tags      ${r.after.tags.join(', ') || '<untagged>'}`);
  if (r.changes.length) lines.push('changes:', ...r.changes.map((c) => `  ${c}`));
  const w = r.written;
  const what = w.format === 'docker-archive' ? `docker-archive (${w.layout === 'oci' ? 'Docker 25+ layout' : 'legacy layout'})` : w.format;
  lines.push(`wrote ${w.dest}: ${what}, ${formatBytes(w.bytes)}`);
  return lines.join('\n');
}

export function registerSquash(program: Command): void {
  const cmd = program
    .command('squash')
    .summary('merge an image\'s layers (all, the last N, or those above a base image) into one')
    .argument('<source>', SOURCE_HELP)
    .option('-o, --output <dest>', 'PATH or docker-archive:PATH[:NAME:TAG], oci:DIR[:TAG], oci-archive:PATH[:TAG], or - for standard output')
    .option('--above <base>', 'keep the layers of this image (the bottom of SOURCE, checked by ChainID) and merge the ones above it')
    .option('--last <n>', 'merge only the last N layers')
    .option('--format <docker|oci|oci-archive>', 'format of an output given as a bare path (default: the source\'s; a file for a name ending in .tar; docker with --layout)')
    .option('--layout <legacy|oci>', 'docker-archive layout: legacy (Docker <= 24, every engine; the default) or oci (Docker 25+)')
    .option('--platform <os/arch[/variant]>', 'the image to squash (and the base\'s), when a source holds several platforms')
    .option('--json', 'print the report as JSON (schema stowage.squash/v1, docs/json.md)')
    .option('-q, --quiet', 'print nothing on success but warnings')
    .option('--no-verify', 'do not prove the layers read against their DiffIDs and descriptors');
  addEditFlags(cmd);
  cmd.addHelpText('after', `
The merged layer holds what a container sees of those layers: whiteouts applied, shadowed files dropped, hard links
kept right (see stowage export). With --above or --last, the layers below stay byte for byte (same DiffIDs and
ChainIDs: an engine that holds the base shares them) and the merged layer keeps the whiteouts and opaque markers
that hide base files. The config keeps every field; rootfs.diff_ids and history change (the merged layers'
history entries become one, whose comment keeps them as JSON). The output carries the source's tags unless --tag.
${EDIT_ORDER_NOTE}
Examples:
  stowage squash app.tar -o app-flat.tar --tag app:flat
  stowage squash app.tar --above base.tar -o app-thin.tar
  stowage squash oci:./layout:v1 --last 3 -o oci:./squashed:v1 --label org.example.squashed=true
  docker save app | stowage squash - -o - | docker load`);
  cmd.action(async (source: string, opts: SquashCliOptions) => {
    const req = editRequestFrom(opts);
    if (!opts.output) throw new UsageError('give the output with -o DEST');
    const { layout } = checkOutputFlags(opts);
    if (opts.above && opts.last !== undefined) throw new UsageError('give --above or --last, not both');
    let last: number | undefined;
    if (opts.last !== undefined) {
      if (!/^\d+$/.test(opts.last) || Number(opts.last) < 1) throw new UsageError(`--last must be a whole number of layers, at least 1 (not ${JSON.stringify(opts.last)})`);
      last = Number(opts.last);
    }
    const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
    const src = await openSource(source, { seekable: true });
    const base = opts.above ? await openSource(opts.above, {}) : undefined;
    try {
      const img = pickOne(src, platform);
      const dest = outputDest(opts, src.format);
      checkDest(dest, { tags: req.tags });
      if (last !== undefined && last > img.layers.length) throw new UsageError(`--last ${last}: the image has ${plural(img.layers.length, 'layer')}`);
      const progress = progressFor('squashing', opts);
      const report = await squash(src, img, {
        dest,
        layout: layout ?? 'legacy',
        request: req,
        ...editNow(req),
        ...(base ? { above: { spec: base.spec, image: base.images.length === 1 ? base.images[0]! : pickOne(base, platform ?? img.platform) } } : {}),
        ...(last !== undefined ? { last } : {}),
        onProgress: (b) => progress.update(b),
        ...(opts.verify === false ? { verify: false } : {}),
      });
      progress.done();
      for (const w of report.warnings) warn(w);
      printReport(report, opts, renderSquash);
    } finally {
      await base?.close();
      await src.close();
    }
  });
}
