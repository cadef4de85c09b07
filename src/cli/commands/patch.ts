/**
 * The patch-delta halves of `delta --patch`, `inspect` and `check` (kept apart so the commands' own modules stay
 * small): run the operation, print its report. `apply`'s half is patch-apply.ts, so apply loads no encoder search.
 */
import { ReportedFailure, UsageError } from '../../errors.js';
import type { ImageSource } from '../../image/model.js';
import { writePatchDelta, type PatchDeltaReport } from '../../ops/patch-delta.js';
import type { PatchDelta } from '../../patch/read-delta.js';
import { openSource } from '../../transports/open.js';
import { formatBytes, plural } from '../format.js';
import { Progress, print, printJson } from '../output.js';
import type { HaveSet } from '../../ops/have.js';
import { checkPatchDelta, describePatchDelta } from '../../ops/patch-inspect.js';

export function renderPatchDelta(r: PatchDeltaReport): string {
  const out: string[] = [];
  for (const [i, l] of r.layers.entries()) {
    const patch = () => `patch ${formatBytes(l.shipped)} against ${plural(l.bases?.length ?? 0, 'base layer')} (${formatBytes(l.stats?.sameBytes ?? 0)} reused, ${formatBytes(l.stats?.deltaBytes ?? 0)} delta-coded, ${formatBytes(l.stats?.literalBytes ?? 0)} literal)`;
    const what = l.how === 'base' ? `left out: the target has it${l.providedBy?.length ? ` (${l.providedBy.slice(0, 3).join(', ')})` : ''}`
      : l.how === 'patch' && !l.bases?.length && !l.alternatives ? `coded without a base: ${formatBytes(l.shipped)} (no base layer the target holds has its files)`
      : l.how === 'patch' && l.alternatives ? `${l.alternatives} patches, one for each site release, ${formatBytes(l.shipped)} in all${l.recipe ? `; recompressed by ${l.recipe} into its blob ${l.blobDigest!.slice(0, 19)}…` : ''}`
      : l.how === 'patch' ? `${patch()}${l.recipe ? `; recompressed by ${l.recipe} into its blob ${l.blobDigest!.slice(0, 19)}…` : l.noRecipe ? `; rebuilt as a plain tar, new blob digest (--new-digests): ${l.noRecipe.reason}` : ''}`
      : l.noRecipe ? `shipped as its original blob (${formatBytes(l.shipped)}, ${formatBytes(l.shipped - l.noRecipe.patchBytes)} more than its patch): ${l.noRecipe.reason}; --new-digests patches it and gives the image new digests`
      : `shipped whole (${formatBytes(l.shipped)}): a patch would not be smaller`;
    out.push(`  layer ${i + 1}  ${formatBytes(l.size).padStart(8)}  ${l.diffId.slice(0, 19)}…  ${what}`);
  }
  for (const img of r.images) {
    const name = img.tags.join(', ') || img.imageId;
    out.push(img.exact ? `${name}: arrives exact, manifest ${img.manifestDigest} (into a registry or an OCI layout holding the base's blobs)`
      : `${name}: arrives with new digests (same DiffIDs and image ID): ${img.notExact}`);
    if (img.referrers?.length) out.push(`  with ${plural(img.referrers.length, 'signature or referrer', 'signatures or referrers')}: ${img.referrers.map((x) => x.tag ?? x.digest).join(', ')} (apply pushes them into a registry)`);
  }
  if (r.index) out.push(r.index.exact ? `its image index ${r.index.digest} travels too: a registry or an OCI layout gets it byte for byte` : `its image index does not travel (a registry gets a new one): ${r.index.notExact}`);
  // Issue 20: the attestation manifests (and other non-image entries) it lists travel with it.
  if (r.index?.artifacts?.length) out.push(`  with ${plural(r.index.artifacts.length, 'attestation or other manifest', 'attestation or other manifests')} it lists: ${r.index.artifacts.map((a) => a.digest).join(', ')}`);
  if (r.index?.referrers?.length) out.push(`  with ${plural(r.index.referrers.length, 'signature or referrer', 'signatures or referrers')} of the index: ${r.index.referrers.map((x) => x.tag ?? x.digest).join(', ')}`);
  out.push(`${formatBytes(r.archiveBytes)} written to ${r.output} (the layers the target lacks are ${formatBytes(r.missingBytes)} as stored)`);
  out.push('a patch delta needs `stowage apply DELTA --base SOURCE -o OUT|docker-daemon:` on the target; docker load does not take it');
  return out.join('\n');
}

export async function runPatchDelta(targets: string[], baseSpecs: string[], output: string, opts: { json?: boolean; quiet?: boolean; haveFiles: number; newDigests?: boolean }): Promise<void> {
  if (!baseSpecs.length || opts.haveFiles) throw new UsageError('delta --patch needs --base SOURCE (the base\'s files, not a --have record): patches are made against its content');
  if (output.startsWith('docker-daemon:')) throw new UsageError('a patch delta is a file (or -): docker load does not take it; write it with -o FILE and run stowage apply on the target');
  const sources: ImageSource[] = [];
  const bases: ImageSource[] = [];
  try {
    for (const t of targets) sources.push(await openSource(t, { seekable: true }));
    for (const b of baseSpecs) bases.push(await openSource(b, { seekable: true }));
    const progress = new Progress('patching', opts.quiet);
    let done = 0;
    const r = await writePatchDelta(sources, bases, output, { onLayer: (n) => progress.update((done += n)), ...(opts.newDigests ? { newDigests: true } : {}) });
    progress.done();
    if (opts.json && output === '-') process.stderr.write(JSON.stringify(r, null, 2) + '\n');
    else if (opts.json) printJson(r);
    else if (!opts.quiet) process.stderr.write(renderPatchDelta(r) + '\n');
  } finally {
    for (const s of [...sources, ...bases]) await s.close();
  }
}

/** inspect and verify of a patch delta (verify: every blob was hashed against its name while it was read). */
export async function runPatchInspect(d: PatchDelta, opts: { json?: boolean; verify?: boolean }): Promise<void> {
  const r = describePatchDelta(d);
  if (opts.json) return printJson(r);
  const out = [`${r.delta}: a stowage patch delta (${r.format}), made against ${r.madeAgainst.join(', ') || '?'}; it needs \`stowage apply\``];
  if (r.sites.length) out.push(`a bundle for ${plural(r.sites.length, 'site state')}: it applies on a site holding any one of them (${r.sites.map((s) => `${s.name}: ${plural(s.images.length, 'image')}`).join('; ')})`);
  for (const i of r.images) {
    const how = [i.fromSite && `${i.fromSite} from the site`, i.patched && `${i.patched} patched`, i.whole && `${i.whole} whole`, i.shared && `${i.shared} shared with an image above`].filter(Boolean).join(', ');
    out.push(`${i.tags.join(', ') || i.imageId}  image ID ${i.imageId}, ${plural(i.layers, 'layer')} (${how}); ${formatBytes(i.shipped)} in the delta${i.manifestDigest ? `; upstream's manifest ${i.manifestDigest}` : ''}`);
    for (const x of i.referrers ?? []) out.push(`  refers to it: ${x.tag ?? x.digest} (${x.mediaType}, ${plural(x.blobs, 'blob')}, ${formatBytes(x.size)} manifest)`);
  }
  // Issue 20: upstream's index, with its attestation manifests and signatures.
  if (r.index) out.push(`image index ${r.index.digest} (upstream's, byte for byte)`);
  for (const x of r.index?.artifacts ?? []) out.push(`  lists beside its images: ${x.digest} (an attestation or other manifest, ${plural(x.blobs, 'blob')}, ${formatBytes(x.size)} manifest)`);
  for (const x of r.index?.referrers ?? []) out.push(`  refers to it: ${x.tag ?? x.digest} (${x.mediaType}, ${plural(x.blobs, 'blob')}, ${formatBytes(x.size)} manifest)`);
  for (const [k, l] of r.layers.entries()) {
    const recompressed = l.recipe ? `; recompressed by ${l.recipe} into ${l.blobDigest!.slice(0, 19)}…` : l.storedCompression !== 'none' ? `; rebuilt uncompressed (the target stored it ${l.storedCompression})` : '';
    const how = l.how === 'base' ? `from the base by ChainID ${l.chainId.slice(0, 19)}…${l.providedBy.length ? ` (${l.providedBy.join(', ')})` : ''}`
      : l.how === 'patch' && l.alternatives ? `${l.alternatives + 1} patches of ${formatBytes(l.shipped)} in all, one for each site release (apply takes the one whose base layers the site holds)${recompressed}`
      : l.how === 'patch' && !l.bases.length ? `coded without a base (${formatBytes(l.shipped)})${recompressed}`
      : l.how === 'patch' ? `patch of ${formatBytes(l.shipped)} against base layer${l.bases.length === 1 ? '' : 's'} ${l.bases.map((b) => b.slice(0, 19) + '…').join(', ')}${recompressed}`
      : `whole in the delta (${formatBytes(l.shipped)}, ${l.storedCompression})`;
    out.push(`  layer ${k + 1}  ${formatBytes(l.size).padStart(8)}  ${l.diffId.slice(0, 19)}…  ${how}`);
  }
  if (opts.verify) out.push(`OK: ${plural(r.blobsVerified, 'blob')} hashed against their names; the DiffIDs of rebuilt layers are proved by stowage apply`);
  print(out.join('\n'));
}

/** check of a patch delta: it never loads with docker load; does the target hold every base layer it needs? */
export async function runPatchCheck(d: PatchDelta, have: HaveSet, opts: { json?: boolean }): Promise<void> {
  const r = checkPatchDelta(d, have);
  if (opts.json) printJson(r);
  else {
    const out = [`${r.delta}: a patch delta, checked against ${r.against.join(', ')}`];
    for (const l of r.layers) {
      const needs = l.needs.map((n) => `${n.what === 'layer' ? 'layer ChainID' : 'base layer DiffID'} ${n.digest.slice(0, 19)}… ${n.held ? 'on the target' : 'MISSING'}`);
      out.push(`  layer ${l.index + 1}  ${l.diffId.slice(0, 19)}…  ${l.how}${needs.length ? `: ${needs.join('; ')}` : ''}`);
    }
    out.push(r.ok ? 'OK: the target holds every base layer it refers to; rebuild it there with `stowage apply DELTA --base docker-daemon: -o docker-daemon:` (docker load does not take a patch delta)'
      : `FAIL: ${plural(r.missing.length, 'base layer')} missing on the target; a plain docker load never takes a patch delta either: it needs stowage apply with the base`);
    print(out.join('\n'));
  }
  if (!r.ok) throw new ReportedFailure('verification failed');
}
