/** `stowage edit SOURCE -o DEST [changes]`: edit an image's metadata without rebuilding it or touching a layer. */
import { describeTagMoves } from '../../transports/dest.js';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { edit, planEdit, type EditReport } from '../../ops/edit.js';
import { parsePlatform } from '../../oci/platform.js';
import { openSource, pickOne } from '../../transports/open.js';
import { addEditFlags, checkRequest, editRequestFrom, EDIT_ORDER_NOTE, type EditFlagValues } from '../edit-flags.js';
import { editNow } from '../edit-time.js';
import { formatBytes, plural } from '../format.js';
import { print, warn } from '../output.js';
import { checkDest, checkOutputFlags, refuseJsonOnStdout, outputDest, printReport, progressFor } from '../output-options.js';
import { SOURCE_HELP } from '../source-help.js';

interface EditCliOptions extends EditFlagValues {
  output?: string;
  format?: string;
  layout?: string;
  platform?: string;
  thin?: boolean;
  dryRun?: boolean;
  json?: boolean;
  history: boolean;
  verify: boolean;
  quiet?: boolean;
}

function value(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 120 ? s.slice(0, 119) + '…' : s;
}

/** The config diff, one line per field: `~` changed, `+` added, `-` removed. */
export function renderDiff(r: EditReport): string[] {
  return r.diff.map((d) => {
    if (d.before === null) return `+ ${d.path}: ${value(d.after)}`;
    if (d.after === null) return `- ${d.path}: ${value(d.before)}`;
    return `~ ${d.path}: ${value(d.before)} -> ${value(d.after)}`;
  });
}

function renderReport(r: EditReport): string {
  const name = r.before.tags.join(', ') || '<untagged>';
  const out: string[] = [];
  out.push(`${r.source}: ${name}${r.dryRun ? ' (dry run: nothing written)' : ''}`);
  out.push(`  image ID  ${r.before.imageId} -> ${r.after.imageId === r.before.imageId ? 'unchanged' : r.after.imageId}`);
  if (r.after.tags.join() !== r.before.tags.join()) out.push(`  tags      ${r.after.tags.join(', ') || '<untagged>'}`);
  out.push(`  layers    ${r.diffIds.length}, unchanged (same DiffIDs and ChainIDs)`);
  if (r.changes.length) out.push('changes:', ...r.changes.map((c) => `  ${c}`));
  if (r.dryRun && r.diff.length) out.push('diff:', ...renderDiff(r).map((l) => `  ${l}`));
  if (r.written) {
    const w = r.written;
    const what = w.format === 'docker-archive' ? `docker-archive (${w.layout === 'oci' ? 'Docker 25+ layout' : 'legacy layout'})` : w.format;
    const layers = w.thin ? 'thin: no layer files (load it where the original is loaded)' : plural(w.layersWritten, 'layer');
    if (w.format === 'docker-daemon') {
      out.push(`loaded into the Docker engine: ${layers}`);
      out.push(...describeTagMoves(w.tagged ?? []).map((l) => `  ${l}`));
    } else out.push(`wrote ${w.dest}: ${what}, ${layers}, ${formatBytes(w.bytes)}`);
  }
  return out.join('\n');
}

export function registerEdit(program: Command): void {
  const cmd = program
    .command('edit')
    .summary('edit image metadata (entrypoint, env, labels, volumes, ports, ...) without rebuilding or touching a layer')
    .argument('<source>', SOURCE_HELP)
    .option('-o, --output <dest>', 'PATH or docker-archive:PATH[:NAME:TAG], oci:DIR[:TAG], oci-archive:PATH[:TAG], docker-daemon:[NAME:TAG], docker://REF, or - for standard output')
    .option('--format <docker|oci|oci-archive>', 'format of an output given as a bare path (default: the source\'s; a file for a name ending in .tar; docker with --layout)')
    .option('--layout <legacy|oci>', 'docker-archive layout: legacy (Docker <= 24, every engine; the default) or oci (Docker 25+; the default with --thin, which then loads on both image stores)')
    .option('--platform <os/arch[/variant]>', 'the image to edit, when the source holds several platforms')
    .option('--thin', 'write only the new config and manifest.json, no layer files: docker load (or -o docker-daemon:) takes it on an engine that holds the original')
    .option('--dry-run', 'print the changes and the config diff; write nothing')
    .option('--json', 'print the report as JSON (schema stowage.edit/v1, docs/json.md)')
    .option('--no-history', 'do not append the history entry that records the edit')
    .option('--no-verify', 'copy the layers without hashing them, only counting their bytes (by default every copied layer is checked against its digest, by worker threads while copying)')
    .option('-q, --quiet', 'print nothing on success but warnings');
  addEditFlags(cmd);
  cmd.addHelpText('after', `
Layers are copied byte for byte (or left out with --thin): same DiffIDs, same ChainIDs, so the edited image shares
every layer with the original. The config keeps every field not changed; an empty_layer history entry says what
changed (docker history shows it). The output holds the edited image only.
${EDIT_ORDER_NOTE}
Examples:
  stowage edit app.tar -o app-novol.tar --clear-volumes --expose-rm 80
  stowage edit app.tar -o app2.tar --entrypoint '["/app/server","--port","8080"]' --clear-cmd --tag app:2
  stowage edit app.tar -o thin.tar --thin --label org.example.rev=42 && docker load -i thin.tar
  stowage edit oci:./layout:v1 -o oci:./edited:v1 --env-rm 'DEBUG*' --annotation org.example=x
  stowage edit bundle.tar:app:1 --dry-run --user 1000:1000 --workdir /srv
  docker save app | stowage edit - -o - --user app | docker load
  stowage edit docker-daemon:app:1 -o docker-daemon:app:1-fixed --thin --clear-volumes`);
  cmd.action(async (source: string, opts: EditCliOptions) => {
    const req = editRequestFrom(opts);
    checkRequest(req);
    const { layout } = checkOutputFlags({ ...opts, json: false });
    if (!opts.dryRun && !opts.output) throw new UsageError('give the output with -o DEST (or --dry-run to only show the changes)');
    if (opts.dryRun && (opts.output || opts.thin)) throw new UsageError('--dry-run writes nothing; leave out -o and --thin');
    refuseJsonOnStdout(opts);
    const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
    // A thin edit and a dry run read no layer: a stream (stdin, an engine's export) is read in one pass, not spooled.
    const src = await openSource(source, opts.dryRun || opts.thin ? { digest: false } : { seekable: true });
    try {
      const img = pickOne(src, platform);
      let report: EditReport;
      if (opts.dryRun) {
        report = (await planEdit(src, img, req, { history: opts.history, ...editNow(req) })).report;
      } else {
        // A bare output path takes the source's format; sources that are not files (an engine, a registry) give a docker-archive.
        const dest = outputDest(opts, src.format);
        checkDest(dest, { thin: opts.thin, tags: req.tags });
        const progress = progressFor('editing', { quiet: opts.quiet || opts.thin, json: opts.json });
        progress.setTotal(img.layers.reduce((n, l) => n + (l.present ? (l.storedSize ?? 0) : 0), 0) || undefined);
        let done = 0;
        report = await edit(src, img, req, {
          dest,
          ...(layout ? { layout } : {}),
          history: opts.history,
          ...editNow(req),
          verify: opts.verify,
          ...(opts.thin ? { thin: true } : {}),
          onLayer: (n) => progress.update((done += n)),
        });
        progress.done();
      }
      for (const w of report.warnings) warn(w);
      if (opts.dryRun && !opts.json) print(renderReport(report));
      else printReport(report, opts, renderReport);
    } finally {
      await src.close();
    }
  });
}
