/**
 * The bundle view of `stowage report` (loaded only for a bundle, a patch delta or its parts): read and prove the
 * bundle, write the page whole or not at all, print the summary.
 */
import { withOutput } from '../../fs/atomic-output.js';
import { buildBundleReport } from '../../ops/bundle-report.js';
import type { OpenedDelta } from '../../transports/patch-delta/source.js';
import { renderBundleReport } from '../../report/bundle-html.js';
import { formatBytes, plural } from '../format.js';
import { printJson } from '../output.js';

export async function runBundleReport(delta: OpenedDelta, inputs: string[], output: string, generator: string, opts: { json?: boolean; quiet?: boolean }): Promise<void> {
  const d = await buildBundleReport(delta, inputs, generator);
  const html = renderBundleReport(d);
  const bytes = Buffer.byteLength(html);
  await withOutput(output, async (out) => {
    await new Promise<void>((resolve, reject) => out.stream.write(html, (e) => (e ? reject(e) : resolve())));
  });
  const t = d.totals;
  if (opts.json) {
    printJson({
      schema: 'stowage.report-bundle/v1', output, bytes, source: d.source, format: d.format, created: d.created,
      sites: d.sites.map((s) => ({ name: s.name, digest: s.digest, images: s.images.length })),
      images: d.images.map((i) => ({ tags: i.tags, imageId: i.imageId, shipped: i.shipped, ...i.counts })),
      layers: { total: d.layers.length, fromSite: t.fromSite.layers, patched: t.patched.layers, whole: t.whole.layers },
      parts: d.parts ? { count: d.parts.count, files: d.parts.files } : null,
      totals: { bundleBytes: t.bundleBytes, partFileBytes: t.partFileBytes, lackingBytes: t.lackingBytes, lackingExact: t.lackingExact, patchBytes: t.patched.bytes, wholeBytes: t.whole.bytes, configBytes: t.configBytes },
      blobsVerified: d.blobsVerified,
    });
  } else if (!opts.quiet && output !== '-') {
    process.stderr.write(`wrote ${output}: ${formatBytes(bytes)}, a bundle of ${plural(d.images.length, 'image')} (${formatBytes(t.bundleBytes)}; the sites lack ${formatBytes(t.lackingBytes)} as stored)${d.parts ? `, ${plural(d.parts.count, 'part')}` : ''}\n`);
  }
}
