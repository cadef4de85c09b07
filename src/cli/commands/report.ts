/** `stowage report SOURCE [--base SOURCE] -o report.html`: one self-contained HTML page about an image. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { withOutput } from '../../fs/atomic-output.js';
import type { ImageSource } from '../../image/model.js';
import { buildReport } from '../../ops/report.js';
import { parsePlatform } from '../../oci/platform.js';
import { renderReport } from '../../report/html.js';
import { openSource, openSources, pickOne } from '../../transports/open.js';
import { patchDeltaOf } from '../../transports/patch-delta/source.js';
import { formatBytes } from '../format.js';
import { printJson, warn } from '../output.js';
import { progressFor, refuseJsonOnStdout } from '../output-options.js';
import { SOURCE_HELP } from '../source-help.js';

interface ReportCliOptions {
  output?: string;
  base?: string;
  platform?: string;
  json?: boolean;
  quiet?: boolean;
}

function generator(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `stowage ${pkg.version}`;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .summary('write one self-contained HTML page: layers, waste, a map of the filesystem, history, identities; or what a bundle carries')
    .argument('<source...>', `${SOURCE_HELP}; or a bundle (stowage bundle, a patch delta) as a file or its parts (files, folders)`)
    .requiredOption('-o, --output <file.html>', 'the page to write (- for standard output)')
    .option('--base <source>', 'an image the target host already holds: the page adds what a thin delta and a file-level patch would ship')
    .option('--platform <os/arch[/variant]>', 'the image to read, when a source holds several platforms')
    .option('--json', 'print a summary as JSON (schema stowage.report/v1, for a bundle stowage.report-bundle/v1; docs/json.md)')
    .option('-q, --quiet', 'print nothing on success but warnings')
    .addHelpText('after', `
The page has no script and fetches nothing (its Content-Security-Policy forbids it): open it from a disk, mail it,
attach it to a CI run. It reflows on a phone and prints. It shows the key figures of \`stowage layers\` (stowage's
reclaimable bytes and dive's efficiency, wasted bytes and user wasted percent), the layer sizes stacked, the waste
per layer by why, a treemap of the merged filesystem by size (files coloured by the layer that wrote them; small
entries grouped so the page stays small), the largest files and directories per layer, the full history (steps
that made no layer included), and every identity \`stowage inspect\` shows. With --base: a thin delta (the layers
the base lacks by ChainID) against a file-level patch (contents the base holds nowhere, an upper bound).
The layers are read once, as by \`stowage layers\`; with --base, the base's layers too.
A bundle (\`stowage bundle\`, or any patch delta), as one file or its numbered parts, gets its own page: the site
states it applies to, per image what ships and why (layers from the site, patched, whole, shared with an image
above) with a bar of its bytes, the distinct layers, the parts, and the bundle's bytes against the layers the sites
lack as stored. The bundle is read and proved whole (every blob against its name, every part against its checksum).
Full reference: docs/commands/layers.md.
Examples:
  stowage report app.tar -o app.html
  stowage report release.bundle -o release.html
  stowage report /media/disc1 /media/disc2 -o release.html      # a bundle's parts, in any order
  stowage report docker-daemon:app:2 --base docker-daemon:app:1 -o app-2.html
  docker save app | stowage report - -o - > app.html`)
    .action(async (sources: string[], opts: ReportCliOptions) => {
      const output = opts.output!;
      refuseJsonOnStdout({ json: opts.json, output }, 'the page uses; give -o FILE');
      if (sources[0] === '-' && opts.base === '-') throw new UsageError('only one of SOURCE and --base can be standard input');
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      const src = await openSources(sources, { seekable: true, also: ['patch-delta'] }, 'report takes one image (several sources only when they are the parts of a bundle)');
      let base: ImageSource | undefined;
      try {
        // A bundle, a patch delta or a bundle's parts: the bundle view (src/report/bundle-html.ts).
        const delta = patchDeltaOf(src);
        if (delta) {
          if (opts.base || opts.platform) throw new UsageError('a bundle\'s report takes no --base or --platform: the bundle names the site states it applies to');
          return await (await import('./report-bundle.js')).runBundleReport(delta, sources, output, generator(), opts);
        }
        const img = pickOne(src, platform);
        base = opts.base ? await openSource(opts.base, { seekable: true }) : undefined;
        const baseImg = base ? pickOne(base, platform) : undefined;
        const progress = progressFor('reading layers', opts);
        const data = await buildReport(src, img, generator(), base && baseImg ? { src: base, img: baseImg } : undefined, { onProgress: (n) => progress.update(n) });
        progress.done();
        const html = renderReport(data);
        const bytes = Buffer.byteLength(html);
        await withOutput(output, async (out) => {
          await new Promise<void>((resolve, reject) => out.stream.write(html, (e) => (e ? reject(e) : resolve())));
        });
        for (const w of [...src.warnings, ...(base?.warnings ?? [])]) warn(w);
        const r = data.layers;
        if (opts.json) {
          printJson({
            schema: 'stowage.report/v1', output, bytes, source: src.spec, base: base?.spec ?? null,
            image: r.image, layers: r.layers.length, efficiency: r.efficiency, wastedBytes: r.wastedBytes,
            userWastedPercent: r.userWastedPercent, reclaimableBytes: r.reclaimable.total,
            fs: { paths: data.fsPaths, drawn: data.fsNodes },
            delta: data.delta ? { fullBytes: data.delta.fullBytes, thinBytes: data.delta.thinBytes, patchBytes: data.delta.patchBytes } : null,
          });
        } else if (!opts.quiet && output !== '-') {
          process.stderr.write(`wrote ${output}: ${formatBytes(bytes)}, ${r.layers.length} layers, ${formatBytes(r.reclaimable.total)} reclaimable, efficiency ${(r.efficiency * 100).toFixed(2)} % (dive)\n`);
        }
      } finally {
        await src.close();
        await base?.close();
      }
    });
}
