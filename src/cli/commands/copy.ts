/** `stowage copy SOURCE DEST`: move images between formats (and, later, engines and registries). */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { writableFrom } from '../../image/writable.js';
import { parsePlatform } from '../../oci/platform.js';
import { parseDestSpec, writeImages, type DestKind } from '../../transports/dest.js';
import { filterPlatform, openSource } from '../../transports/open.js';
import { formatBytes, plural } from '../format.js';
import { Progress } from '../output.js';

interface CopyOptions {
  format?: string;
  platform?: string;
  layout?: string;
  quiet?: boolean;
}

export function registerCopy(program: Command): void {
  program
    .command('copy')
    .summary('copy images between docker archives, OCI layouts and OCI archives')
    .argument('<source>', 'an archive, an OCI layout, docker-archive:, oci:, oci-archive:, or - for standard input')
    .argument('<dest>', 'PATH or docker-archive:PATH[:NAME:TAG], oci:DIR[:TAG], oci-archive:PATH[:TAG], or - for standard output')
    .option('--format <docker|oci|oci-archive>', 'format of a DEST given as a bare path (default: the source\'s)')
    .option('--layout <legacy|oci>', 'docker-archive layout: legacy (Docker <= 24, every engine) or oci (Docker 25+)', 'legacy')
    .option('--platform <os/arch[/variant]>', 'only images of this platform')
    .option('-q, --quiet', 'print nothing on success')
    .addHelpText('after', `
Layers are copied byte for byte (same DiffIDs, same blob digests) and hashed on the way.
Examples:
  stowage copy app.tar oci:./layout:v1
  stowage copy oci:./layout docker-archive:app.tar:app:v1
  stowage copy --layout oci app.tar app-docker25.tar
  docker save app | stowage copy - oci-archive:app-oci.tar`)
    .action(async (source: string, destText: string, opts: CopyOptions) => {
      if (opts.layout !== 'legacy' && opts.layout !== 'oci') throw new UsageError(`--layout must be legacy or oci, not ${JSON.stringify(opts.layout)}`);
      const src = await openSource(source, { seekable: true });
      try {
        if (opts.platform) src.images = filterPlatform(src.images, parsePlatform(opts.platform));
        const fallback: DestKind = opts.format
          ? ({ docker: 'docker-archive', 'docker-archive': 'docker-archive', oci: 'oci', 'oci-archive': 'oci-archive' } as Record<string, DestKind>)[opts.format] ??
            (() => { throw new UsageError(`--format must be docker, oci or oci-archive, not ${JSON.stringify(opts.format)}`); })()
          : src.format === 'oci-layout' ? 'oci' : src.format;
        const dest = parseDestSpec(destText, fallback);
        const progress = new Progress('copying', opts.quiet);
        let done = 0;
        const r = await writeImages(dest, src.images.map((i) => writableFrom(src, i)), {
          layout: opts.layout as 'legacy' | 'oci',
          onLayer: (n) => progress.update((done += n)),
        });
        progress.done();
        if (!opts.quiet && dest.path !== '-') {
          process.stderr.write(`wrote ${dest.text}: ${plural(src.images.length, 'image')}, ${plural(r.layersWritten, 'layer')}, ${formatBytes(r.bytes)}\n`);
        }
      } finally {
        await src.close();
      }
    });
}
