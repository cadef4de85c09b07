/** `stowage copy SOURCE DEST`: move images between archives, OCI layouts, OCI archives and registries. */
import { transportOf } from '../../transports/spec.js';
import { describeTagMoves } from '../../transports/dest.js';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { copyImages, type CopyOptions, type CopyReport } from '../../ops/copy.js';
import { parsePlatform } from '../../oci/platform.js';
import { formatBytes, plural } from '../format.js';
import { printJson } from '../output.js';
import { parseFormat, parseLayout, progressFor } from '../output-options.js';
import { addRegistryFlags, pushOptions, registryOptions, type RegistryFlags } from '../registry-flags.js';
import { SOURCE_HELP } from '../source-help.js';

export interface CopyFlags extends RegistryFlags {
  format?: string;
  platform?: string;
  allPlatforms?: boolean;
  layout?: string;
  quiet?: boolean;
  json?: boolean;
  /** --no-verify */
  verify?: boolean;
}

/** What copy, push and pull all do once they know SOURCE and DEST. */
export async function runCopy(source: string, dest: string, f: CopyFlags): Promise<CopyReport> {
  const layout = parseLayout(f.layout);
  const format = parseFormat(f.format);
  if (f.platform && f.allPlatforms) throw new UsageError('--platform and --all-platforms exclude each other');
  const opts: CopyOptions = {
    layout: layout ?? 'legacy',
    layoutGiven: layout !== undefined,
    source: registryOptions(f, 'src'),
    push: pushOptions(f),
  };
  if (format) opts.format = format;
  if (f.platform) opts.platform = parsePlatform(f.platform);
  if (f.allPlatforms) opts.allPlatforms = true;
  if (f.verify === false) opts.verify = false;
  const progress = progressFor(transportOf(dest) === 'docker' ? 'pushing' : transportOf(source) === 'docker' ? 'pulling' : 'copying', f);
  opts.onProgress = (d, t, l) => {
    progress.setItem(l.total > 1 ? `${l.done}/${l.total} layers done` : undefined);
    progress.update(d, t);
  };
  const r = await copyImages(source, dest, opts);
  progress.done();
  if (f.json) printJson(r);
  else if (!f.quiet && dest !== '-') process.stderr.write(summary(r) + '\n');
  return r;
}

export function summary(r: CopyReport): string {
  if (r.registry) {
    const g = r.registry;
    const parts = [`${g.uploaded} uploaded`];
    if (g.mounted) parts.push(`${g.mounted} mounted`);
    if (g.existing) parts.push(`${g.existing} already there`);
    const line = `pushed ${g.reference}@${g.digest}: ${plural(r.images.length, 'image')}, layers ${parts.join(', ')}; ${formatBytes(g.bytesUploaded)} uploaded in ${r.seconds.toFixed(1)} s`;
    // Issue 20 item 3: the signatures and referrers that went with it.
    return r.referrers?.length ? `${line}\n  with ${plural(r.referrers.length, 'signature or referrer', 'signatures or referrers')}: ${r.referrers.join(', ')}` : line;
  }
  if (r.tagged) return [`loaded into the Docker engine: ${plural(r.images.length, 'image')}, ${plural(r.layersWritten, 'layer')}`, ...describeTagMoves(r.tagged).map((l) => `  ${l}`)].join('\n');
  return `wrote ${r.dest}: ${plural(r.images.length, 'image')}, ${plural(r.layersWritten, 'layer')}, ${formatBytes(r.bytes)}`;
}

export function addCopyFlags(cmd: Command, sides: { src: boolean; dest: boolean }): Command {
  cmd
    .option('--platform <os/arch[/variant]>', 'only images of this platform (a registry index: the one to copy)')
    .option('--all-platforms', 'every image of an index (to a registry: pushed as an index, kept byte for byte when unchanged)')
    .option('-q, --quiet', 'print nothing on success (and no progress bar)')
    .option('--json', 'print a report as JSON (see docs/json.md)')
    .option('--no-verify', 'do not prove the layers read against their DiffIDs and descriptors (their blob digests are still checked)');
  return addRegistryFlags(cmd, sides);
}

export function registerCopy(program: Command): void {
  const cmd = program
    .command('copy')
    .summary('copy images between docker archives, OCI layouts, OCI archives and registries')
    .argument('<source>', SOURCE_HELP)
    .argument('<dest>', 'PATH or docker-archive:PATH[:NAME:TAG], oci:DIR[:TAG], oci-archive:PATH[:TAG], docker://REF, or - for standard output')
    .option('--format <docker|oci|oci-archive>', 'format of a DEST given as a bare path (default: the source\'s; docker for a registry source)')
    .option('--layout <legacy|oci>', 'write a docker archive in this layout: legacy (Docker <= 24, every engine; the default) or oci (Docker 25+)');
  addCopyFlags(cmd, { src: true, dest: true })
    .addHelpText('after', `
Layers are copied byte for byte (same DiffIDs, same blob digests) and hashed on the way. To a registry, layers
stored uncompressed are gzip-compressed (zstd with --compression zstd); compressed ones are sent as they are, so a
registry-to-registry copy keeps the manifest digest. Blobs the registry has are skipped (HEAD), blobs in the source
repository of the same registry are mounted, and the tag moves only when everything else is there.
oci:DIR[:TAG] naming a layout that exists adds the image to it (a tag already there moves); several copies may add
to one layout at once (blobs renamed into place whole, index.json replaced under index.json.lock). Loading into
docker-daemon: says what each tag names now and named before. On a terminal a progress bar shows bytes,
percentage, rate and layers done (none on a pipe or with -q).
Credentials: --creds/--src-creds/--dest-creds, STOWAGE_REGISTRY_USERNAME/STOWAGE_REGISTRY_PASSWORD, or docker login
(~/.docker/config.json: auths, credsStore, credHelpers). Never printed.
Examples:
  stowage copy app.tar oci:./layout:v1
  stowage copy app-2.tar oci:./layout:v2             # the same layout: v1 stays, v2 is added
  stowage copy oci:./layout docker-archive:app.tar:app:v1
  stowage copy --layout oci app.tar app-docker25.tar
  docker save app | stowage copy - oci-archive:app-oci.tar
  stowage copy app.tar docker://registry.example.com/team/app:1
  stowage copy docker://registry.example.com/team/app:1 docker://registry.example.com/prod/app:1
  stowage copy --all-platforms docker://docker.io/library/alpine:3 oci:./alpine`)
    .action(async (source: string, dest: string, opts: CopyFlags) => {
      await runCopy(source, dest, opts);
    });
}
