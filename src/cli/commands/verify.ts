/** `stowage verify SOURCE`: re-hash every byte and prove every identity. */
import type { Command } from 'commander';
import { patchDeltaOf } from '../../transports/patch-delta/source.js';
import { ReportedFailure, UsageError } from '../../errors.js';
import { arePartSources } from '../../parts/sniff.js';
import { verify, type VerifyReport } from '../../ops/verify.js';
import { readDeltaMeta } from '../../ops/check.js';
import { filterPlatform, openSource } from '../../transports/open.js';
import { parsePlatform } from '../../oci/platform.js';
import { formatBytes, plural } from '../format.js';
import { print, printJson } from '../output.js';
import { progressFor } from '../output-options.js';
import { SOURCE_HELP } from '../source-help.js';

export function renderVerify(r: VerifyReport): string {
  const out: string[] = [`${r.source}: ${r.flavor}`];
  for (const p of r.problems) out.push(`  FAIL  ${p}`);
  for (const img of r.images) {
    out.push(`${img.tags.join(', ') || '<untagged>'}  ${img.imageId}`);
    for (const p of img.problems) out.push(`  FAIL  ${p}`);
    for (const l of img.layers) {
      const where = l.path ? `  ${l.path}` : '';
      if (l.ok && l.computed) {
        const c = l.computed;
        const blob = c.compression === 'none' ? 'uncompressed' : `${c.compression} blob ${c.digest.slice(0, 19)}…, ${formatBytes(c.size)}`;
        out.push(`  ok    layer ${l.index + 1}  DiffID ${l.diffId}  (${blob}; ${formatBytes(c.diffSize)} tar)`);
      } else if (l.ok) {
        out.push(`  --    layer ${l.index + 1}  DiffID ${l.diffId}  absent, as the thin archive declares${where}`);
      } else {
        for (const p of l.problems) out.push(`  FAIL  layer ${l.index + 1}${where}: ${p}`);
      }
    }
  }
  const rate = r.seconds > 0 ? `, ${formatBytes(r.bytesHashed / r.seconds)}/s` : '';
  const failures = r.problems.length + r.images.reduce((n, i) => n + i.problems.length + i.layers.reduce((m, l) => m + l.problems.length, 0), 0);
  out.push(r.ok
    ? `OK: ${plural(r.layersHashed, 'layer')}, ${formatBytes(r.bytesHashed)} hashed in ${r.seconds.toFixed(2)} s${rate}`
    : `FAILED: ${plural(failures, 'problem')}`);
  return out.join('\n');
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .summary('re-hash every layer and blob and check every digest, size and DiffID')
    .argument('<source...>', `${SOURCE_HELP}; or part files (OUT.001 ...) or a folder of them`)
    .option('--json', 'print the report as JSON (see docs/json.md)')
    .option('--platform <os/arch[/variant]>', 'only images of this platform')
    .option('-q, --quiet', 'no progress, and print only problems')
    .addHelpText('after', `
Exit status 0 only when everything holds; 1 names each mismatch. Layers are hashed in parallel across cores.
Examples:
  stowage verify app.tar
  stowage verify oci:./layout --json
  docker save app | stowage verify -
  stowage verify release.003                  # one part alone: its header, size and checksum
  stowage verify release.0* /media/dvd2/      # parts and folders of parts: each one, and the set complete
  cat release.0* | stowage verify -           # parts one after another on standard input, in order`)
    .action(async (sources: string[], opts: { json?: boolean; platform?: string; quiet?: boolean }) => {
      if (await arePartSources(sources)) { // parts (docs/parts-format.md): files, folders, or one stream of them
        const parts = await import('./parts.js');
        return sources[0] === '-' ? parts.runPartStreamVerify(opts) : parts.runPartVerify(sources, opts);
      }
      if (sources.length > 1) throw new UsageError('verify takes one source (several only when they are the parts of a part set)');
      const source = sources[0]!;
      const progress = progressFor('reading', opts);
      const startedAt = process.hrtime.bigint();
      const src = await openSource(source, { onFile: (_p, size) => progress.update(size), also: ['patch-delta'] });
      progress.done();
      try {
        // A patch delta or a bundle: every blob was hashed against its name as it was read.
        const delta = patchDeltaOf(src);
        if (delta) return await (await import('./patch.js')).runPatchInspect(delta, { ...opts, verify: true });
        if (opts.platform) src.images = filterPlatform(src.images, parsePlatform(opts.platform));
        const hashing = progressFor('hashing', opts);
        // A thin archive (stowage delta) leaves out, on purpose, the layers its stowage-delta.json names.
        const meta = await readDeltaMeta(src);
        const declared = new Set(meta?.requires.map((r) => r.chainId) ?? []);
        const report = await verify(src, { onProgress: (d, t) => hashing.update(d, t), allowAbsent: (l) => declared.has(l.chainId), startedAt });
        hashing.done();
        if (opts.json) printJson(report);
        else if (!opts.quiet || !report.ok) print(renderVerify(report));
        if (!report.ok) throw new ReportedFailure('verification failed');
      } finally {
        await src.close();
      }
    });
}
