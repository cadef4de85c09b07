/**
 * The patch-delta half of `apply` (apart from `delta --patch`'s, patch.ts, so an apply does not load the recipe
 * search and every encoder on its main thread): open the bases, run the apply, print its report.
 */
import { UsageError } from '../../errors.js';
import type { ImageSource } from '../../image/model.js';
import { applyPatchDelta, type PatchApplyReport } from '../../ops/patch-apply.js';
import type { PatchDelta } from '../../patch/read-delta.js';
import { openSource } from '../../transports/open.js';
import { describeTagMoves } from '../../transports/dest.js';
import { formatBytes, plural } from '../format.js';
import { Progress, printJson } from '../output.js';
import { baseNames, basesAtDestination } from '../../ops/site-bases.js';
import { writeReceipt } from '../../ops/receipt.js';

export function renderPatchApply(r: PatchApplyReport): string[] {
  const out: string[] = [];
  const there = new Set(r.alreadyThere ?? []);
  for (const i of r.images) {
    if (there.has(i.tags[0] ?? i.imageId)) continue;
    const recompressed = i.recompressed ? ` (${i.recompressed} recompressed into upstream's blobs, digests verified)` : '';
    out.push(`${i.tags.join(', ') || i.imageId}: ${plural(i.patched, 'layer')} rebuilt from patches${recompressed}, ${plural(i.fromDelta - i.patched, 'layer')} whole from the delta, ${plural(i.fromBase, 'layer')} from the base, DiffIDs verified`);
    out.push(i.exact ? `  exact: upstream's manifest ${i.manifestDigest}` : `  not exact (new manifest digest): ${i.notExact}`);
    // Issue 20 item 3: signatures and other referrers, pushed or left behind.
    const x = i.referrers;
    if (x) out.push('pushed' in x ? `  signatures and referrers pushed beside it: ${x.pushed.join(', ')}` : 'kept' in x ? `  signatures and referrers kept in the layout's index.json: ${x.kept.join(', ')}` : `  ${plural(x.skipped, 'signature or referrer', 'signatures or referrers')} not delivered: ${x.why}`);
  }
  for (const u of r.uncompressed) out.push(`layer ${u.diffId.slice(0, 19)}… was ${u.was}-compressed in the target; it is written uncompressed (same DiffID, same config and image ID)`);
  if (r.index) out.push(r.index.exact ? `image index: upstream's ${r.index.digest}` : `image index: a new one (${r.index.notExact})`);
  // Issue 20 item 3: the index's own signatures.
  const xr = r.index?.referrers;
  if (xr) out.push('pushed' in xr ? `  signatures and referrers of the index pushed beside it: ${xr.pushed.join(', ')}` : 'kept' in xr ? `  signatures and referrers of the index kept in the layout's index.json: ${xr.kept.join(', ')}` : `  ${plural(xr.skipped, 'signature or referrer', 'signatures or referrers')} of the index not delivered: ${xr.why}`);
  out.push(r.loaded ? `loaded into the engine: ${r.loaded.join('; ')}` : `${formatBytes(r.bytes)} written to ${r.output}`);
  for (const l of describeTagMoves(r.tagged ?? [])) out.push(`  ${l}`);
  for (const l of r.landed ?? []) out.push(`  pushed ${l}`);
  if (r.alreadyThere?.length) out.push(`already there, not written again: ${r.alreadyThere.join(', ')}`);
  if (r.receipt) out.push(`receipt: ${r.receipt.file} records ${plural(r.receipt.images, 'image')} the site holds now (give it to bundle --site)`);
  return out;
}

/** apply with a patch delta or bundle (opened by the caller, who closes it). */
export async function runPatchApply(delta: PatchDelta, baseSpecs: string[], output: string, opts: { layout: 'legacy' | 'oci'; json?: boolean; quiet?: boolean; receipt?: string }): Promise<void> {
  const bases: ImageSource[] = [];
  try {
    // No --base: what the site holds is where the images go (an engine, a layout, the site's registry).
    if (!baseSpecs.length) bases.push(...(await basesAtDestination(delta.index, output)));
    for (const b of baseSpecs) {
      if (b !== 'docker-daemon:') {
        bases.push(await openSource(b, { seekable: true }));
        continue;
      }
      // The whole engine: the base images the delta was made against, as the engine holds them.
      const names = baseNames(delta.index);
      const found = await basesAtDestination(delta.index, 'docker-daemon:');
      bases.push(...found);
      if (!found.length) throw new UsageError(`--base docker-daemon: the engine holds none of the images this delta was made against (${names.join(', ') || 'not recorded'}); name one: --base docker-daemon:NAME`);
    }
    const progress = new Progress('writing', opts.quiet);
    let done = 0;
    const r = await applyPatchDelta(delta, bases, output, { layout: opts.layout, onLayer: (n) => progress.update((done += n)) });
    progress.done();
    if (opts.receipt) {
      const have = await writeReceipt(opts.receipt, output, r.landed);
      r.receipt = { file: opts.receipt, images: have.images.length };
    }
    if (opts.json && output === '-') process.stderr.write(JSON.stringify(r, null, 2) + '\n');
    else if (opts.json) printJson(r);
    else if (!opts.quiet) process.stderr.write(renderPatchApply(r).join('\n') + '\n');
  } finally {
    for (const b of bases) await b.close();
  }
}
