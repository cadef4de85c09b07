/** `stowage check DELTA [--have FILE | --docker]`: will a plain docker load of this thin archive succeed here? */
import type { Command } from 'commander';
import { StowageError, UsageError } from '../../errors.js';
import { check, type CheckReport } from '../../ops/check.js';
import { gatherHave, haveFromEngine } from '../../ops/have-sources.js';
import { mergeHave } from '../../ops/have.js';
import { openSource } from '../../transports/open.js';
import { plural } from '../format.js';
import { print, printJson } from '../output.js';

export function renderCheck(r: CheckReport): string {
  const out: string[] = [`${r.delta}: checked against ${r.against.join(', ')}`];
  for (const img of r.images) {
    out.push(`${img.tags.join(', ') || img.imageId}${img.alreadyLoaded ? '  (already loaded on the target)' : ''}`);
    for (const l of img.layers) {
      const what = l.state === 'archive' ? 'in the delta'
        : l.state === 'target' ? `on the target${l.providedBy.length ? ` (${l.providedBy.slice(0, 3).join(', ')})` : ''}`
        : `MISSING: neither in the delta nor on the target${l.providedBy.length ? `; ${l.providedBy.join(' or ')} provides it` : ''}`;
      out.push(`  layer ${l.index + 1}  ChainID ${l.chainId}  ${what}`);
    }
  }
  if (r.ok) out.push('OK: a plain `docker load -i` will succeed');
  else {
    out.push(`FAIL: ${plural(r.missing.length, 'layer')} missing; docker load would stop with "open .../layer.tar: no such file or directory"`);
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
and the image that provides it.
Examples:
  stowage check app-2.delta.tar --docker
  stowage check app-2.delta.tar --have have.json --json`)
    .action(async (deltaPath: string, opts: { have: string[]; docker?: boolean; json?: boolean }) => {
      if (!opts.docker && !opts.have.length) throw new UsageError('check needs --docker or --have FILE: what the target holds');
      const sets = [];
      if (opts.docker) sets.push(await haveFromEngine());
      if (opts.have.length) sets.push(await gatherHave([], opts.have));
      const have = mergeHave(sets);
      const delta = await openSource(deltaPath, { digest: false });
      try {
        const r = await check(delta, have);
        if (opts.json) printJson(r);
        else print(renderCheck(r));
        if (!r.ok) throw new StowageError('verification failed', 1);
      } finally {
        await delta.close();
      }
    });
}
