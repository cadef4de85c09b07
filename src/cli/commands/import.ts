/** `stowage import ROOTFS.tar -o OUT [--config-from SOURCE] [edit flags]`: a one-layer image from a filesystem tar. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { importRootfs, type ImportReport } from '../../ops/import.js';
import { parsePlatform } from '../../oci/platform.js';
import { openSource, pickOne } from '../../transports/open.js';
import { editNow } from '../edit-time.js';
import { addEditFlags, editRequestFrom, EDIT_ORDER_NOTE, type EditFlagValues } from '../edit-flags.js';
import { formatBytes, plural } from '../format.js';
import { warn } from '../output.js';
import { checkDest, checkOutputFlags, outputDest, printReport, progressFor } from '../output-options.js';

interface ImportCliOptions extends EditFlagValues {
  output?: string;
  configFrom?: string;
  format?: string;
  layout?: string;
  platform?: string;
  json?: boolean;
  quiet?: boolean;
}

export function renderImport(r: ImportReport): string {
  const e = r.entries;
  const lines = [
    `${r.input === '-' ? 'standard input' : r.input} (${r.compression === 'none' ? 'tar' : r.compression}): ${plural(e.files, 'file')}, ${plural(e.dirs, 'directory', 'directories')}, ${plural(e.symlinks, 'symlink')}, ${plural(e.hardlinks, 'hard link')}` +
      (r.configFrom ? `; config from ${r.configFrom}` : ''),
    `  image ID  ${r.image.imageId}  ${r.image.platform}`,
    `  layer     DiffID ${r.image.diffId}, ${formatBytes(r.image.size)}`,
    `  tags      ${r.image.tags.join(', ') || '<untagged>'}`,
  ];
  if (r.changes.length) lines.push('changes:', ...r.changes.map((c) => `  ${c}`));
  const w = r.written;
  const what = w.format === 'docker-archive' ? `docker-archive (${w.layout === 'oci' ? 'Docker 25+ layout' : 'legacy layout'})` : w.format;
  lines.push(`wrote ${w.dest}: ${what}, ${formatBytes(w.bytes)}`);
  return lines.join('\n');
}

export function registerImport(program: Command): void {
  const cmd = program
    .command('import')
    .summary('make a one-layer image from a filesystem tar (docker export, stowage export, any rootfs tar)')
    .argument('<rootfs>', 'a filesystem tar (plain, gzip or zstd), or - for standard input')
    .option('-o, --output <dest>', 'PATH or docker-archive:PATH[:NAME:TAG], oci:DIR[:TAG], oci-archive:PATH[:TAG], or - for standard output')
    .option('--config-from <source>', 'take the config (command, environment, ports, platform, ...) of this image; layers and history are new')
    .option('--format <docker|oci|oci-archive>', 'format of an output given as a bare path', 'docker')
    .option('--layout <legacy|oci>', 'docker-archive layout: legacy (Docker <= 24, every engine) or oci (Docker 25+)', 'legacy')
    .option('--platform <os/arch[/variant]>', 'the image --config-from takes, when that source holds several platforms')
    .option('--json', 'print the report as JSON (schema stowage.import/v1, docs/json.md)')
    .option('-q, --quiet', 'print nothing on success but warnings');
  addEditFlags(cmd);
  cmd.addHelpText('after', `
The layer holds the tar's entries byte for byte, checked like every layer (absolute names, "..", hard links to
nothing are refused; see stowage export); whiteouts are dropped with a warning. Without --config-from the config
is empty but for this machine's platform (set it with --set-platform) and the edit flags; the image is untagged
unless --tag (or a NAME:TAG in the output name).
${EDIT_ORDER_NOTE}
Examples:
  stowage import rootfs.tar -o app.tar --tag app:1 --cmd '["/bin/sh"]'
  stowage export app.tar | stowage import - --config-from app.tar -o app-flat.tar --tag app:flat
  docker export CONTAINER | stowage import - -o - --tag snap:1 --entrypoint '["/app"]' | docker load
  stowage import rootfs.tar.gz -o oci:./layout:v1 --set-platform linux/arm64 --env PATH=/usr/bin:/bin`);
  cmd.action(async (input: string, opts: ImportCliOptions) => {
    const req = editRequestFrom(opts);
    if (!opts.output) throw new UsageError('give the output with -o DEST');
    const { layout } = checkOutputFlags(opts);
    if (input === '-' && opts.configFrom === '-') throw new UsageError('standard input can be the filesystem tar or the --config-from image, not both');
    const from = opts.configFrom ? await openSource(opts.configFrom, {}) : undefined;
    try {
      const image = from ? pickOne(from, opts.platform ? parsePlatform(opts.platform) : undefined) : undefined;
      // No source image to take a format from: a bare path is a docker archive unless --format says otherwise.
      const dest = outputDest(opts, 'docker-archive');
      checkDest(dest, { tags: req.tags });
      const progress = progressFor('importing', opts);
      const report = await importRootfs(input, {
        dest,
        layout: layout ?? 'legacy',
        request: req,
        ...editNow(req),
        ...(from && image ? { configFrom: { spec: from.spec, image } } : {}),
        onProgress: (b) => progress.update(b),
      });
      progress.done();
      for (const w of report.warnings) warn(w);
      printReport(report, opts, renderImport);
    } finally {
      await from?.close();
    }
  });
}
