/** `stowage layers SOURCE`: what each layer adds, changes and removes, what it wastes, and a CI gate on it. */
import { Option, type Command } from 'commander';
import { StowageError, UsageError } from '../../errors.js';
import { evaluateRules, resolveRules, type RuleKey } from '../../ops/layers-ci.js';
import { analyzeLayers, type LayerReport, type LayersReport } from '../../ops/layers.js';
import { parsePlatform } from '../../oci/platform.js';
import { openSource, pickOne } from '../../transports/open.js';
import { formatBytes, plural, truncate } from '../format.js';
import { print, printJson, warn } from '../output.js';
import { progressFor } from '../output-options.js';
import { SOURCE_HELP } from '../source-help.js';

interface LayersCliOptions {
  platform?: string;
  json?: boolean;
  quiet?: boolean;
  top: string;
  ci?: boolean;
  ciConfig?: string;
  lowestEfficiency?: string;
  highestWastedBytes?: string;
  highestUserWastedPercent?: string;
}

export const FORMULAS = `Figures (dive's definitions, so numbers and CI thresholds compare with dive's):
  layer size          the sum of the layer's tar entry sizes (file contents; links and directories are 0)
  efficiency          sum over paths of the smallest size the path has in any layer, divided by the sum over
                      paths of every size it has in every layer (1 when nothing has a size). Only the leaves
                      of each layer count (files, links, whiteouts, empty directories); a whiteout's size is
                      the size of the directory it deletes, or 0 for a file.
  wastedBytes         the sum of every size of every path that appears in two layers or more (the copy kept
                      at the top counts too: a 1 MB file written twice wastes 2 MB)
  userWastedPercent   wastedBytes / the sizes of every layer but the first, as a fraction (0.1 = 10%)
  per layer wasted    dive's wastedBytes split by the layer each counted copy is in
stowage's own accounting (bytes stored that the top does not need, each stored byte counted once):
  reclaimable         bytes of a layer's files that the top does not need: overwritten or deleted by a later
                      layer (unless a hard link still holds the content), or a duplicate: visible, with the
                      same content (sha256) also stored visibly in a lower layer
  added/changed/removed   entries at new paths / replacing a lower entry / lower entries removed (whiteouts,
                      opaque directories, a file over a directory), with their bytes
Where they part: dive counts a file re-written with the same bytes and its kept copy as waste, does not count
deleting a whole directory or files hidden by an opaque directory, and never compares contents across paths.`;

function pct(x: number | null): string {
  return x === null ? 'infinite' : `${(x * 100).toFixed(2)} %`;
}

function count(c: { entries: number; bytes: number }): string {
  return c.entries ? `${c.entries} (${formatBytes(c.bytes)})` : '-';
}

function layerRow(l: LayerReport): string[] {
  const cmd = l.history?.createdBy ?? l.history?.comment ?? '';
  return [
    String(l.index + 1), formatBytes(l.size), formatBytes(l.wastedBytes), formatBytes(l.reclaimable.total),
    count(l.added), count(l.changed), count(l.removed) + (l.whiteouts ? ` ${plural(l.whiteouts, 'whiteout')}` : ''),
    truncate(cmd.replace(/^\/bin\/sh -c (#\(nop\) )?/, ''), 60),
  ];
}

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

export function renderLayers(r: LayersReport, shown: number): string {
  const name = r.image.tags.join(', ') || '(untagged)';
  const out: string[] = [];
  out.push(`${name}  ${r.image.imageId.slice(0, 19)}…  ${r.image.platform}  ${plural(r.layers.length, 'layer')}`);
  out.push(`  ${formatBytes(r.sizeBytes)} of files in the layers, ${formatBytes(r.visibleBytes)} visible at the top`);
  out.push(`  efficiency ${pct(r.efficiency)}   wasted ${formatBytes(r.wastedBytes)}   user wasted ${pct(r.userWastedPercent)}   (dive's definitions: --help)`);
  const rc = r.reclaimable;
  out.push(`  reclaimable ${formatBytes(rc.total)}: ${formatBytes(rc.overwritten)} overwritten, ${formatBytes(rc.deleted)} deleted, ${formatBytes(rc.duplicate)} duplicate`);
  out.push('');
  out.push(table(['#', 'size', 'wasted', 'reclaimable', 'added', 'changed', 'removed', 'created by'], r.layers.map(layerRow)));
  if (r.wasteFiles.length) {
    out.push('', 'largest waste:');
    for (const f of r.wasteFiles.slice(0, shown)) {
      const why = f.why === 'duplicate' ? `duplicates the content of layer ${f.by + 1}` : `${f.why} by layer ${f.by + 1}`;
      out.push(`  ${formatBytes(f.size).padStart(9)}  ${f.path}  (layer ${f.layer + 1}, ${why})`);
    }
  }
  if (r.inefficiencies.length) {
    out.push('', "dive's inefficient paths (count, every copy's bytes):");
    for (const x of r.inefficiencies.slice(0, shown)) out.push(`  ${String(x.count).padStart(3)}  ${formatBytes(x.cumulativeBytes).padStart(9)}  ${x.path}`);
  }
  out.push('', 'largest per layer:');
  for (const l of r.layers) {
    const files = l.topFiles.slice(0, shown).map((f) => `${f.path} ${formatBytes(f.size)}`).join(', ');
    const dirs = l.topDirs.slice(0, shown).map((f) => `${f.path} ${formatBytes(f.size)}`).join(', ');
    out.push(`  layer ${l.index + 1}: ${files ? `files ${files}` : 'no files with content'}${dirs ? `; directories ${dirs}` : ''}`);
  }
  if (r.ci) {
    out.push('', `CI (${r.ci.file ? `rules from ${r.ci.file}, flags win` : "dive's defaults unless a flag says otherwise"}):`);
    for (const x of r.ci.rules) {
      const status = x.status === 'pass' ? 'PASS' : x.status === 'fail' ? 'FAIL' : 'SKIP';
      const t = x.threshold === null ? 'disabled' : x.rule === 'highestWastedBytes' ? `${x.threshold} bytes` : String(x.threshold);
      out.push(`  ${status}  ${x.rule} ${t}${x.message && x.status === 'fail' ? `: ${x.message}` : ''}`);
    }
    out.push(`  result: ${r.ci.pass ? 'PASS' : 'FAIL'}`);
  }
  return out.join('\n');
}

export function registerLayers(program: Command): void {
  program
    .command('layers')
    .summary('what each layer adds, changes, removes and wastes; efficiency as dive counts it; a CI gate')
    .argument('<source>', SOURCE_HELP)
    .option('--platform <os/arch[/variant]>', 'the image to read, when the source holds several platforms')
    .option('--json', 'print the report as JSON (schema stowage.layers/v1, docs/json.md)')
    .option('--top <n>', 'how many of the largest files, directories and wasted paths to list per layer (--json: at least 10)', '5')
    .option('--ci', 'gate on dive\'s rules: exit 1 naming each rule broken (thresholds from the flags below, .dive-ci, or dive\'s defaults)')
    .option('--ci-config <file>', 'dive\'s CI configuration (YAML, rules: lowestEfficiency, highestWastedBytes, highestUserWastedPercent); default ./.dive-ci when it exists')
    .addOption(new Option('--lowest-efficiency <fraction>', 'fail when the efficiency is below this (0..1, or "disabled"); implies --ci'))
    .addOption(new Option('--highest-wasted-bytes <size>', 'fail when the wasted bytes exceed this (bytes, 20MB, 1.5GiB, or "disabled"); implies --ci'))
    .addOption(new Option('--highest-user-wasted-percent <fraction>', 'fail when wasted / user bytes exceeds this (0..1: 0.1 is 10%, or "disabled"); implies --ci'))
    .option('-q, --quiet', 'with --ci: print only the rules broken')
    .addHelpText('after', `
One streaming pass over the layers, bottom first, hashing every file's content (duplicates are found by content);
memory grows with the number of paths, never with file sizes. Every source stowage reads works: archives of every
generation, OCI layouts and archives, docker-daemon:, docker://.

${FORMULAS}

CI: rules and values as dive reads them (.dive-ci is YAML, "rules:" with lowestEfficiency, highestWastedBytes,
highestUserWastedPercent; a value "disabled" turns a rule off; dive's defaults: 0.9, disabled, 0.1). A flag wins
over the file. Exit 0 when every rule passes, 1 naming each rule broken, 2 for a misconfigured rule.
Full reference: docs/commands/layers.md.
Examples:
  stowage layers app.tar
  stowage layers docker-daemon:app:1 --json | jq '.layers[] | {index, size, wastedBytes}'
  stowage layers app.tar --ci --lowest-efficiency 0.95 --highest-wasted-bytes 20MB
  docker save app | stowage layers - --ci --ci-config .dive-ci`)
    .action(async (source: string, opts: LayersCliOptions) => {
      const top = Number(opts.top);
      if (!Number.isInteger(top) || top < 0) throw new UsageError(`--top ${JSON.stringify(opts.top)}: give a whole number`);
      const flags: Partial<Record<RuleKey, string>> = {};
      if (opts.lowestEfficiency !== undefined) flags.lowestEfficiency = opts.lowestEfficiency;
      if (opts.highestWastedBytes !== undefined) flags.highestWastedBytes = opts.highestWastedBytes;
      if (opts.highestUserWastedPercent !== undefined) flags.highestUserWastedPercent = opts.highestUserWastedPercent;
      const ci = opts.ci || opts.ciConfig !== undefined || Object.keys(flags).length > 0;
      // Rules are read before the image, so a misconfigured gate fails at once.
      const resolved = ci ? resolveRules(flags, opts.ciConfig, warn) : undefined;
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      const src = await openSource(source, { seekable: true });
      let report: LayersReport;
      try {
        const img = pickOne(src, platform);
        const progress = progressFor('reading layers', opts);
        ({ report } = await analyzeLayers(src, img, { top: opts.json ? Math.max(top, 10) : top, onProgress: (n) => progress.update(n) }));
        progress.done();
        report.warnings.push(...src.warnings);
      } finally {
        await src.close();
      }
      if (resolved) {
        const rules = evaluateRules(resolved.rules, report);
        report.ci = { pass: rules.every((x) => x.status !== 'fail'), file: resolved.file, rules };
      }
      if (opts.json) printJson(report);
      else if (!(opts.quiet && ci)) print(renderLayers(report, top));
      if (report.ci && !report.ci.pass) {
        const broken = report.ci.rules.filter((x) => x.status === 'fail').map((x) => `${x.rule}: ${x.message}`);
        throw new StowageError(`CI gate failed: ${broken.join('; ')}`);
      }
    });
}
