/** `stowage bundle SOURCE... --site STATE... [--base SOURCE...] -o OUT [--part-size SIZE]`: a release for offline sites. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { ImageSource } from '../../image/model.js';
import { writeBundle, type BundleReport, type SiteState } from '../../ops/bundle.js';
import { haveRecord } from '../../ops/have-sources.js';
import { openSource } from '../../transports/open.js';
import { formatBytes, plural } from '../format.js';
import { printJson } from '../output.js';
import { collect, progressFor } from '../output-options.js';
import { toOutput } from '../reader-gone.js';
import { renderPatchDelta } from './patch.js';
import { partSink } from './parts-output.js';

interface BundleFlags {
  images?: string;
  site: string[];
  base: string[];
  output: string;
  partSize?: string;
  newDigests?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function registerBundle(program: Command): void {
  program
    .command('bundle')
    .summary('a release of many images for offline sites: each layer they lack once, patched where it can be')
    .argument('[source...]', 'the release\'s images: archives, layouts, docker-daemon:NAME, docker://REF')
    .option('--images <file>', 'more sources, one a line (# starts a comment)')
    .option('--site <file>', 'what a site holds: a `stowage have` record or an apply receipt (repeatable: sites at several releases)', collect, [] as string[])
    .option('--base <source>', 'the sender\'s copies of images the sites hold, for patches (repeatable)', collect, [] as string[])
    .requiredOption('-o, --output <out>', 'the bundle: a file, or with --part-size the name its parts take (OUT.001, OUT.002, ...)')
    .option('--part-size <size>', 'split into numbered parts of at most this size, each checksummed and verifiable alone: 700MB, 4.7GB, 25GB (decimal, as on media), 64MiB (binary), or bytes')
    .option('--new-digests', 'patch a compressed layer even where no recipe makes its blob again (smaller; the image then arrives with new blob and manifest digests)')
    .option('--json', 'print the report as JSON (schema stowage.bundle/v1)')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', `
A layer every listed site holds is left out; one a site lacks is coded as a patch against base layers every
listed site holds (their bytes from --base), or shipped whole; a layer shared by several images is in the
bundle once. So a bundle made with --site for a site at v1 and one at v2 applies on both. On the site:
\`stowage apply BUNDLE -o DEST\` (the bases are read from DEST itself: docker-daemon:, oci:DIR, docker://SITE/).
Examples:
  stowage have docker-daemon: > site-v1.json                     (on the site, carried back)
  stowage bundle app:2.tar api:2.tar --site site-v1.json --base app:1.tar --base api:1.tar -o release-2.bundle
  stowage bundle --images release-3.txt --site have-v1.json --site have-v2.json --base docker://reg/app:2 \\
      --base docker://reg/app:1 -o /media/dvd/release-3 --part-size 4.7GB
  stowage apply release-2.bundle -o docker-daemon: --receipt site-v2.json   (on the site)`)
    .action((sources: string[], opts: BundleFlags) => toOutput(opts.output, () => run(sources, opts)));
}

async function listFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--images ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`}`);
  }
  if (text.length > 1 << 20) throw new UsageError(`--images ${path}: over 1 MiB; a list names one source a line`);
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
}

async function run(sourceArgs: string[], opts: BundleFlags): Promise<void> {
  const specs = [...sourceArgs, ...(opts.images ? await listFile(opts.images) : [])];
  if (!specs.length) throw new UsageError('bundle needs the release\'s images: SOURCE... or --images FILE');
  if (!opts.site.length) throw new UsageError('bundle needs --site FILE: what the site holds (`stowage have` on the site, or the receipt of its last apply)');
  if (specs.includes('-')) throw new UsageError('bundle reads its sources more than once: give files, layouts, docker-daemon: or docker:// sources, not -');
  if (opts.partSize && opts.output === '-') throw new UsageError('--part-size writes numbered files: give -o NAME, not -');
  const sites: SiteState[] = [];
  for (const s of opts.site) {
    const { set, digest } = await haveRecord(s);
    sites.push({ name: s, digest, set });
  }
  const targets: ImageSource[] = [];
  const bases: ImageSource[] = [];
  try {
    for (const t of specs) targets.push(await openSource(t, { seekable: true }));
    for (const b of opts.base) bases.push(await openSource(b, { seekable: true }));
    const progress = progressFor('bundling', { quiet: opts.quiet });
    let done = 0;
    const r = await writeBundle(targets, bases, sites, opts.output, {
      onLayer: (n) => progress.update((done += n)),
      ...(opts.newDigests ? { newDigests: true } : {}),
      ...(opts.partSize ? { sink: partSink(opts.output, opts.partSize) } : {}),
    });
    progress.done();
    if (opts.json && opts.output === '-') process.stderr.write(JSON.stringify(r, null, 2) + '\n');
    else if (opts.json) printJson(r);
    else if (!opts.quiet) process.stderr.write(renderBundle(r) + '\n');
  } finally {
    for (const s of [...targets, ...bases]) await s.close();
  }
}

export function renderBundle(r: BundleReport): string {
  const out: string[] = [];
  for (const i of r.images) out.push(`${i.tags.join(', ') || i.imageId}`);
  const body = renderPatchDelta({ ...r, schema: 'stowage.patch-delta/v1' }).split('\n').slice(0, -1);
  out.push(...body);
  const how = (h: string) => r.layers.filter((l) => l.how === h);
  out.push(`for ${plural(r.sites.length, 'site state')} (${r.sites.map((s) => s.name).join(', ')}): ${plural(r.images.length, 'image')}, ${plural(r.layers.length, 'distinct layer')}: ${how('base').length} left out, ${how('patch').length} patched, ${how('whole').length} whole`);
  if (r.parts) out.push(`${plural(r.parts.length, 'part')}: ${r.parts[0]}${r.parts.length > 1 ? ` ... ${r.parts.at(-1)}` : ''} (${formatBytes(r.archiveBytes)} in all)`);
  out.push('on the site: `stowage apply BUNDLE -o docker-daemon:|oci:DIR|docker://SITE/` (the bases are read from the destination)');
  return out.join('\n');
}
