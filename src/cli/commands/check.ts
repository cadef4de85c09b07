/** `stowage check DELTA [--have FILE | --docker]`: will a plain docker load of this thin archive succeed here? */
import type { Command } from 'commander';
import { patchDeltaOf } from '../../transports/patch-delta/source.js';
import { ReportedFailure, UsageError } from '../../errors.js';
import { check, type CheckReport } from '../../ops/check.js';
import { gatherHave, haveFromEngine } from '../../ops/have-sources.js';
import { mergeHave } from '../../ops/have.js';
import { openSource } from '../../transports/open.js';
import type { ImageStore } from '../../transports/docker-daemon/client.js';
import { plural } from '../format.js';
import { print, printJson } from '../output.js';

const STORE_NAME: Record<ImageStore, string> = { classic: 'the classic image store', containerd: 'the containerd image store' };

/** What docker load says on each store when a layer is missing, so the user recognises it. */
function failure(store: ImageStore, layout: CheckReport['layout']): string {
  if (store === 'classic') return 'docker load would stop with "open .../layer.tar: no such file or directory"';
  return layout === 'legacy'
    ? 'a legacy-layout archive must carry every layer there; docker load would stop with "failed to resolve layers: layer ... not found" (write the delta with --layout oci, the default)'
    : 'docker load would fail to unpack it: "content digest sha256:...: not found"';
}

export function renderCheck(r: CheckReport): string {
  const stores = r.stores.map((s) => STORE_NAME[s]).join(' and ');
  const out: string[] = [`${r.delta}: checked against ${r.against.join(', ')}; the rule of ${stores}`];
  for (const img of r.images) {
    out.push(`${img.tags.join(', ') || img.imageId}${img.alreadyLoaded ? '  (already loaded on the target)' : ''}`);
    for (const l of img.layers) {
      const by = r.stores.includes('containerd') && l.blob ? `blob ${l.blob}` : `ChainID ${l.chainId}`;
      const what = l.state === 'archive' ? 'in the delta'
        : l.state === 'target' ? `on the target${l.providedBy.length ? ` (${l.providedBy.slice(0, 3).join(', ')})` : ''}${l.assumed ? ', assumed (see below)' : ''}`
        : `MISSING${r.stores.length > 1 ? ` on ${l.missingOn!.map((s) => STORE_NAME[s]).join(' and ')}` : ''}: neither in the delta nor on the target${l.providedBy.length ? `; ${l.providedBy.join(' or ')} provides it` : ''}`;
      out.push(`  layer ${l.index + 1}  ${by}  ${what}`);
    }
  }
  for (const a of r.assumptions) out.push(`note: ${a}`);
  if (r.ok) out.push('OK: a plain `docker load -i` will succeed');
  else {
    const on = [...new Set(r.missing.flatMap((m) => m.missingOn ?? []))];
    out.push(`FAIL: ${plural(r.missing.length, 'layer')} missing; ${on.map((s) => `on ${STORE_NAME[s]}, ${failure(s, r.layout)}`).join('; ')}`);
    const providers = [...new Set(r.missing.flatMap((m) => m.providedBy))];
    if (providers.length) out.push(`load ${providers.join(', ')} first, or rebuild the full image with stowage apply`);
  }
  return out.join('\n');
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .summary('on the target: will a plain docker load of a thin archive succeed? names what is missing')
    .argument('<delta>', 'the thin archive (a file, or - for standard input)')
    .option('--have <file>', 'what the target holds (stowage have, or docker image inspect JSON); repeatable', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--docker', 'ask the Docker engine (DOCKER_HOST) what it holds')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Exit status 0 when every layer is either in the archive or on the target; 1 otherwise, naming each missing layer
and the image that provides it. --docker asks the engine which image store it runs and applies that store's rule
(classic: by ChainID; containerd: by the blob digest the manifest names). A have file from \`stowage have\` names
its store; \`docker image inspect\` JSON names the store but not the blobs a containerd store holds, so check
then assumes uncompressed blobs (a base loaded from a docker save) and says so.
Examples:
  stowage check app-2.delta.tar --docker
  stowage check app-2.delta.tar --have have.json --json`)
    .action(async (deltaPath: string, opts: { have: string[]; docker?: boolean; json?: boolean }) => {
      if (!opts.docker && !opts.have.length) throw new UsageError('check needs --docker or --have FILE: what the target holds');
      const sets = [];
      if (opts.docker) sets.push(await haveFromEngine());
      if (opts.have.length) sets.push(await gatherHave([], opts.have));
      const have = mergeHave(sets);
      // A patch delta (delta --patch): needs stowage apply; check says whether its base layers are there.
      const delta = await openSource(deltaPath, { digest: false, also: ['patch-delta'] });
      try {
        const patch = patchDeltaOf(delta);
        if (patch) return await (await import('./patch.js')).runPatchCheck(patch, have, opts);
        const r = await check(delta, have);
        if (opts.json) printJson(r);
        else print(renderCheck(r));
        if (!r.ok) throw new ReportedFailure('verification failed');
      } finally {
        await delta.close();
      }
    });
}
