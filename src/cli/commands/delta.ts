/** `stowage delta TARGET... (--base SOURCE... | --have FILE) -o OUT`: a thin archive of only what the target lacks. */
import type { Command } from 'commander';
import { toOutput } from '../reader-gone.js';
import { UsageError } from '../../errors.js';
import { openOutput } from '../../fs/atomic-output.js';
import { writeDelta, type DeltaReport } from '../../ops/delta.js';
import { streamDelta } from '../../ops/delta-stream.js';
import { gatherHave } from '../../ops/have-sources.js';
import { openSource } from '../../transports/open.js';
import { parseSourceSpec } from '../../transports/spec.js';
import { isStreamSource, transportEntry } from '../../transports/table.js';
import { destAccepts, parseDestSpec } from '../../transports/dest.js';
import type { ImageSource } from '../../image/model.js';
import { formatBytes, plural } from '../format.js';
import { collect, parseLayout, printReport, progressFor } from '../output-options.js';

interface DeltaOptions {
  verify: boolean;
  base: string[];
  have: string[];
  output?: string;
  json?: boolean;
  quiet?: boolean;
  layout: string;
  patch?: boolean;
  newDigests?: boolean;
}

export function renderDelta(r: DeltaReport): string {
  const out: string[] = [];
  for (const img of r.images) {
    out.push(`${img.tags.join(', ') || img.imageId}`);
    for (const l of img.layers) {
      const blob = l.blob && l.blob.digest !== l.diffId ? `; named by its stored blob ${l.blob.digest.slice(0, 19)}…` : '';
      const what = l.included ? 'included' : `left out: the target has it${l.providedBy.length ? ` (${l.providedBy.slice(0, 3).join(', ')})` : ''}${blob}`;
      out.push(`  layer ${l.index + 1}  ${formatBytes(l.size).padStart(8)}  ${l.chainId.slice(0, 19)}…  ${what}`);
    }
  }
  const size = r.archiveBytes === null ? 'loaded into the engine' : `${formatBytes(r.archiveBytes)} written to ${r.output}`;
  out.push(`${plural(r.included.layers, 'layer')} included (${formatBytes(r.included.bytes)}), ${plural(r.omitted.layers, 'layer')} left out (${formatBytes(r.omitted.bytes)}); ${size}`);
  if (r.archiveBytes !== null && r.fullBytes > 0) {
    const saved = r.fullBytes - r.archiveBytes;
    out.push(`a full docker save would be ${formatBytes(r.fullBytes)}: ${formatBytes(saved)} saved (${((saved / r.fullBytes) * 100).toFixed(1)}%)`);
  }
  if (r.nothingMissing) out.push('the target already holds every layer: the delta carries only configs and tags');
  else if (r.archiveBytes === null) { /* loaded already */ }
  else if (r.omitted.layers && r.layout === 'oci') out.push('load it with a plain `docker load -i` on any Docker engine holding the base (classic or containerd image store); podman and registries need `stowage apply` first');
  else if (r.omitted.layers) out.push('legacy layout: a plain `docker load -i` takes it on a classic-store engine holding the base only; elsewhere run `stowage apply` first');
  return out.join('\n');
}

export function registerDelta(program: Command): void {
  program
    .command('delta')
    .summary('write a thin docker archive holding only the layers the target lacks')
    .argument('<target...>', 'images to ship: archives, layouts, docker-daemon:NAME, or - for standard input')
    .option('--base <source>', 'what the target holds: an archive, a layout, docker-daemon:NAME or docker-daemon: (repeatable)', collect, [])
    .option('--have <file>', 'what the target holds, from `stowage have` or `docker image inspect IMAGE...` (repeatable)', collect, [])
    .requiredOption('-o, --output <out>', 'the thin archive: a file, - for standard output, or docker-daemon:')
    .option('--json', 'print the report as JSON (on standard error when the archive goes to standard output)')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-verify', 'copy the layers without hashing them (faster; docker load still checks every DiffID)')
    .option('--layout <layout>', 'oci: the Docker 25+ layout, loads thin on every engine (default); legacy: Docker <= 24\'s, classic store only', 'oci')
    .option('--patch', 'a patch delta: layers the target lacks are coded against the base\'s files (small even when no layer is byte-identical); needs `stowage apply` on the target')
    .option('--new-digests', 'with --patch: also patch gzip layers no recipe makes again bit for bit; they arrive as plain tars with the same DiffIDs, so the image gets new blob and manifest digests (default: such a layer ships as its original blob and the image arrives exact)')
    .addHelpText('after', `
The archive lists every layer of every target, but holds only the layers the target lacks, plus
stowage-delta.json naming what it relies on. A plain \`docker load -i OUT\` takes it on any Docker engine holding
the base: the classic store (dockerd 20.10, Docker 28) looks each left-out layer up by ChainID, the containerd
image store (Docker 29's default) by the blob digest the manifest names, which is the blob the target stores
(from --base, or recorded by \`stowage have\` on the target). podman and registries need \`stowage apply\`.
Examples:
  stowage delta app-2.tar --base app-1.tar -o app-2.delta.tar
  ssh target docker image inspect app:1 > have.json && stowage delta docker-daemon:app:2 --have have.json -o d.tar
  docker save app:2 | stowage delta - --have have.json -o - | ssh target docker load
  stowage delta app-2.tar --base app-1.tar --patch -o app-2.patch && stowage apply app-2.patch --base app-1.tar -o app-2.tar
  stowage delta docker://up/app:2 --base docker://up/app:1 --patch -o d.patch &&
    stowage apply d.patch --base docker://site/app:1 -o docker://site/app:2   (upstream's manifest digest)`)
    .action((targets: string[], opts: DeltaOptions) => toOutput(opts.output, async () => {
      // --patch: file-level patches (docs/patch-format.md), rebuilt by apply.
      if (opts.newDigests && !opts.patch) throw new UsageError('--new-digests goes with --patch (a thin archive ships the stored blobs, so its images keep their digests)');
      if (opts.patch) return (await import('./patch.js')).runPatchDelta(targets, opts.base, opts.output!, { ...opts, haveFiles: opts.have.length });
      if (!opts.base.length && !opts.have.length) throw new UsageError('delta needs --base SOURCE or --have FILE: what the target already holds');
      const layout = parseLayout(opts.layout) ?? 'oci';
      const output = opts.output!;
      const have = await gatherHave(opts.base, opts.have);
      const progress = progressFor('writing', { quiet: opts.quiet });
      let done = 0;
      // Standard input and an engine's export are streams: delta filters them in one pass instead of spooling.
      const streamed = targets.length === 1 && isStreamSource(parseSourceSpec(targets[0]!).transport);
      let report: DeltaReport;
      if (streamed) {
        const spec = parseSourceSpec(targets[0]!);
        const { chunks: input, label } = await transportEntry(spec.transport).source.stream!(spec, {});
        if (destAccepts(parseDestSpec(output)).shape === 'engine') throw new UsageError('a streamed delta goes to a file or -; to load it, pipe it to docker load');
        const out = await openOutput(output);
        try {
          report = await streamDelta(input, label, have, out.stream, output, layout);
          await out.commit();
        } catch (e) {
          await out.abort();
          throw e;
        }
      } else {
        const sources: ImageSource[] = [];
        try {
          for (const t of targets) sources.push(await openSource(t, { seekable: true }));
          report = await writeDelta(sources, have, output, (n) => progress.update((done += n)), { verify: opts.verify, layout });
        } finally {
          for (const s of sources) await s.close();
        }
      }
      progress.done();
      // With the archive on standard output, reports go to standard error.
      printReport(report, opts, renderDelta);
    }));
}
