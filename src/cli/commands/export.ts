/** `stowage export SOURCE -o OUT.tar`: the merged filesystem of an image as one tar, without a container. */
import type { Command } from 'commander';
import { withOutput } from '../../fs/atomic-output.js';
import { exportImage, type ExportReport } from '../../ops/export.js';
import { parsePlatform } from '../../oci/platform.js';
import { openSource, pickOne } from '../../transports/open.js';
import { formatBytes, plural } from '../format.js';
import { warn } from '../output.js';
import { printReport, progressFor, refuseJsonOnStdout } from '../output-options.js';
import { SOURCE_HELP } from '../source-help.js';

interface ExportCliOptions {
  output: string;
  platform?: string;
  json?: boolean;
  quiet?: boolean;
  /** --no-verify */
  verify?: boolean;
}

export function renderExport(r: ExportReport, output: string): string {
  const e = r.entries;
  const parts = [plural(e.files, 'file'), plural(e.dirs, 'directory', 'directories'), plural(e.symlinks, 'symlink'), plural(e.hardlinks, 'hard link')];
  if (e.others) parts.push(plural(e.others, 'device or FIFO', 'devices and FIFOs'));
  const applied = [`${plural(e.shadowed, 'entry', 'entries')} of lower layers replaced or deleted`];
  if (e.whiteouts) applied.push(plural(e.whiteouts, 'whiteout'));
  if (e.opaqueDirs) applied.push(plural(e.opaqueDirs, 'opaque directory', 'opaque directories'));
  if (e.linksMaterialized) applied.push(`${plural(e.linksMaterialized, 'hard link')} given the content of a replaced or deleted target`);
  if (e.impliedDirs) applied.push(`${plural(e.impliedDirs, 'missing parent directory', 'missing parent directories')} added`);
  const name = r.image.tags.join(', ') || r.image.imageId.slice(0, 19);
  return [
    `exported ${name} (${plural(r.image.layers, 'layer')}) to ${output === '-' ? 'standard output' : output}: ${formatBytes(r.bytes)}, ${parts.join(', ')}`,
    `  ${applied.join('; ')}`,
  ].join('\n');
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .summary('write the merged filesystem of an image (whiteouts applied) as one tar, without a container')
    .argument('<source>', SOURCE_HELP)
    .option('-o, --output <file>', 'the tar to write (- for standard output)', '-')
    .option('--platform <os/arch[/variant]>', 'the image to export, when the source holds several platforms')
    .option('--json', 'print a report as JSON (schema stowage.export/v1, docs/json.md)')
    .option('-q, --quiet', 'print nothing on success but warnings')
    .option('--no-verify', 'do not prove the layers read against their DiffIDs and descriptors')
    .addHelpText('after', `
What a container of the image starts with, as docker export gives it but without creating a container, and
without the files docker adds (.dockerenv, /dev, /proc, /sys, /etc/hosts, /etc/hostname, /etc/resolv.conf).
Whiteouts and opaque directories are applied; hard links keep the content their target had when they were made,
even when a later layer replaced it; modes, owners, times, xattrs and PAX records are copied byte for byte.
One streaming pass over the layers, top layer first; memory grows with the number of paths, not file sizes.
Untrusted entries (absolute names, "..", hard links to nothing) are refused: see docs/commands/export.md.
Examples:
  stowage export app.tar -o rootfs.tar
  stowage export oci:./layout:v1 | tar -t
  docker save app | stowage export - -o rootfs.tar
  stowage export bundle.tar:app:1 --platform linux/arm64 -o rootfs.tar`)
    .action(async (source: string, opts: ExportCliOptions) => {
      refuseJsonOnStdout(opts, 'the tar uses; give -o FILE');
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      const src = await openSource(source, { seekable: true });
      try {
        const img = pickOne(src, platform);
        const progress = progressFor('exporting', opts);
        const report = await withOutput(opts.output, (out) => exportImage(src, img, out.stream, { onProgress: (n) => progress.update(n), ...(opts.verify === false ? { verify: false } : {}) }));
        progress.done();
        for (const w of report.warnings) warn(w);
        printReport(report, { ...opts, output: undefined }, (r) => renderExport(r, opts.output));
      } finally {
        await src.close();
      }
    });
}
