/** `stowage squash SOURCE -o OUT [--above BASE | --last N] [edit flags]`: merge layers into one. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { squash, type SquashReport } from '../../ops/squash.js';
import { parsePlatform } from '../../oci/platform.js';
import { parseDestSpec, type DestKind } from '../../transports/dest.js';
import { openSource, pickOne } from '../../transports/open.js';
import { addEditFlags, editRequestFrom, EDIT_ORDER_NOTE, type EditFlagValues } from '../edit-flags.js';
import { formatBytes, plural } from '../format.js';
import { printJson, Progress, warn } from '../output.js';
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

export const FORMATS: Record<string, DestKind> = { docker: 'docker-archive', 'docker-archive': 'docker-archive', oci: 'oci', 'oci-archive': 'oci-archive' };

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
    .option('--format <docker|oci|oci-archive>', 'format of an output given as a bare path (default: the source\'s)')
    .option('--layout <legacy|oci>', 'docker-archive layout: legacy (Docker <= 24, every engine) or oci (Docker 25+)', 'legacy')
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
    if (opts.layout !== 'legacy' && opts.layout !== 'oci') throw new UsageError(`--layout must be legacy or oci, not ${JSON.stringify(opts.layout)}`);
    if (opts.format !== undefined && !FORMATS[opts.format]) throw new UsageError(`--format must be docker, oci or oci-archive, not ${JSON.stringify(opts.format)}`);
    if (opts.json && opts.output === '-') throw new UsageError('--json prints to standard output, which -o - uses for the archive');
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
      const fallback: DestKind = opts.format ? FORMATS[opts.format]! : src.format === 'oci-layout' ? 'oci' : src.format === 'oci-archive' ? 'oci-archive' : 'docker-archive';
      const dest = parseDestSpec(opts.output, fallback);
      const progress = new Progress('squashing', opts.quiet);
      const report = await squash(src, img, {
        dest,
        layout: opts.layout,
        request: req,
        ...(base ? { above: { spec: base.spec, image: base.images.length === 1 ? base.images[0]! : pickOne(base, platform ?? img.platform) } } : {}),
        ...(last !== undefined ? { last } : {}),
        onProgress: (b) => progress.update(b),
        ...(opts.verify === false ? { verify: false } : {}),
      });
      progress.done();
      for (const w of report.warnings) warn(w);
      if (opts.json) printJson(report);
      else if (!opts.quiet) process.stderr.write(renderSquash(report) + '\n');
    } finally {
      await base?.close();
      await src.close();
    }
  });
}
