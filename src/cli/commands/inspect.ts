/** `stowage inspect SOURCE`: every identity of every image, each explained. */
import type { Command } from 'commander';
import { patchDeltaOf } from '../../transports/patch-delta/source.js';
import { inspect, type InspectImage, type InspectLayer, type InspectReport } from '../../ops/inspect.js';
import { filterPlatform, openSource } from '../../transports/open.js';
import { parsePlatform } from '../../oci/platform.js';
import { formatBytes, plural, rows, truncate } from '../format.js';
import { print, printJson, warn } from '../output.js';
import { UsageError } from '../../errors.js';
import { arePartSources } from '../../parts/sniff.js';
import { RAW_KINDS, rawDocument, type RawKind } from '../../ops/raw.js';
import { runConfigRows } from '../../ops/run-config.js';
import { SOURCE_HELP } from '../source-help.js';

export const IDENTITY_NOTES = `What the identities are:
  Image ID     sha256 of the config JSON. The classic engine names the image by it (docker images shows its
               first 12 hex digits); the containerd image store shows the manifest digest instead.
  Manifest     sha256 of the manifest JSON, which names the config and the layer blobs. A registry addresses
               the image by it (repo@sha256:...). docker save from the classic store keeps no registry manifest.
  DiffID       sha256 of the layer's uncompressed tar. Listed in the config (rootfs.diff_ids); stable
               whatever the compression.
  Blob         sha256 of the layer bytes as stored or pushed (gzip, zstd or plain tar). Equal to the DiffID
               only when stored uncompressed.
  ChainID      names a layer together with every layer below it: sha256(ChainID(below) + " " + DiffID).
               The engine stores layers by it (layerdb/sha256/<ChainID>); a layer is shared only if it matches.
  v1 dir       the <hex>/ directory name of docker save (Docker <= 24): a hash of legacy JSON holding the
               ChainID, the v1 ID of the layer below and, for the top layer, the image config. It is a name,
               not a content hash, which is why sha256sum of layer.tar never equals it.`;

function blobLine(l: InspectLayer): string {
  if (!l.present) return `not in this archive (a thin archive: the target must already hold ChainID ${l.chainId.slice(0, 19)}…)`;
  const comp = l.compression === 'none' ? 'uncompressed tar' : (l.compression ?? '?');
  if (l.blob.digestSource === 'uncompressed') return `${l.blob.digest}  (= DiffID: stored as an ${comp})`;
  if (l.blob.digest) return `${l.blob.digest}  (${comp}, ${l.blob.mediaType})`;
  return `unknown without reading the layer (${comp}; run stowage verify)`;
}

function v1Line(l: InspectLayer): string | undefined {
  if (!l.v1) return undefined;
  if (l.v1.dir) {
    if (l.v1.matchesMoby) return `${l.v1.dir}  (matches moby's rule)`;
    return `${l.v1.dir}  (not moby's rule, which gives ${l.v1.computed ?? '?'}: another tool wrote this archive)`;
  }
  return undefined;
}

function renderImage(img: InspectImage, n: number, total: number): string {
  const out: string[] = [];
  const title = img.tags.length ? img.tags.join(', ') : '<untagged>';
  out.push(total > 1 ? `[${n}] ${title}` : title);
  const manifest = img.manifest
    ? `${img.manifest.digest}  (${img.manifest.origin === 'synthesized' ? 'synthesized: the archive holds no manifest; Docker schema 2 naming layers by DiffID, as skopeo does; a registry\'s will differ' : img.manifest.note ?? `from the archive, ${img.manifest.mediaType}`})`
    : `none (${img.manifestMissing ?? 'not known'})`;
  out.push(rows([
    ...(img.engineId
      ? [
        ['Image ID', `${img.engineId.id}  (the containerd image store names an image by its manifest digest: docker images shows ${img.engineId.shortId})`],
        ['Config', `${img.imageId}  (the config digest: the image ID on a classic store, ${img.shortId})`],
      ] as [string, string][]
      : [['Image ID', `${img.imageId}  (docker images shows ${img.shortId} on a classic store; the containerd image store shows the manifest digest)`]] as [string, string][]),
    ['Manifest', manifest],
    ['Platform', img.platform],
    ['Created', img.created ?? '?'],
    ['Layers', `${img.layers.length}, ${formatBytes(img.totalStoredSize)} stored`],
  ]));
  const run = runConfigRows(img.runConfig);
  if (run.length) out.push('  Config', rows(run, '    '));
  for (const l of img.layers) {
    const made = l.history?.createdBy || l.history?.comment;
    const by = made ? truncate(made, 90) : '';
    const size = l.present ? formatBytes(l.blob.size) : 'absent';
    out.push(`  layer ${l.index + 1}/${img.layers.length}  ${size}${by ? `  ${by}` : ''}`);
    const pairs: [string, string][] = [
      ['DiffID', l.diffId],
      ['ChainID', l.chainId],
      ['Blob', blobLine(l)],
    ];
    const v1 = v1Line(l);
    if (v1) pairs.push(['v1 dir', v1]);
    if (l.path) pairs.push(['Path', l.linkedTo ? `${l.path} -> ${l.linkedTo}` : l.path]);
    out.push(rows(pairs, '    '));
  }
  return out.join('\n');
}

export function renderInspect(r: InspectReport, explain: boolean): string {
  const out: string[] = [];
  out.push(`${r.source}: ${r.flavor}, ${plural(r.images.length, 'image')}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  r.images.forEach((img, i) => out.push('', renderImage(img, i, r.images.length)));
  if (explain) out.push('', IDENTITY_NOTES);
  return out.join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .summary('show every identity of every image in a source, each explained')
    .argument('<source...>', `${SOURCE_HELP}; or part files (OUT.001 ...) or a folder of them`)
    .option('--json', 'print the report as JSON (see docs/json.md)')
    .option('--platform <os/arch[/variant]>', 'only images of this platform')
    .option('--no-explain', 'leave out the notes that explain each identity')
    .option('--raw <document>', 'print one document exactly as stored: config, manifest or index (for sha256sum, jq, diff)')
    .addHelpText('after', `
Reads only the tar headers, the JSON documents and the first block of each layer: never the layer bytes.
Examples:
  stowage inspect app.tar
  stowage inspect docker-archive:bundle.tar:app:v2 --json
  stowage inspect oci:./layout --platform linux/arm64
  docker save app | stowage inspect -
  stowage inspect --raw config app.tar | sha256sum     # the image ID (classic store)
  stowage inspect --raw manifest docker://registry.example.com/app:1 | jq .
  stowage inspect --raw index oci:./layout
  stowage inspect release.003 --json          # a part: its set, number and payload bytes (headers only)`)
    .action(async (sources: string[], opts: { json?: boolean; platform?: string; explain: boolean; raw?: string }) => {
      if (opts.raw === undefined && (await arePartSources(sources))) return (await import('./parts.js')).runPartInspect(sources, opts); // parts (docs/parts-format.md)
      if (sources.length > 1) throw new UsageError('inspect takes one source (several only when they are the parts of a part set)');
      const source = sources[0]!;
      const raw = opts.raw === undefined ? undefined : parseRawKind(opts.raw);
      if (raw && opts.json) throw new UsageError('--raw prints the document itself; leave out --json');
      const src = await openSource(source, { digest: false, ...(raw ? {} : { also: ['patch-delta'] }) });
      try {
        const delta = patchDeltaOf(src); // a patch delta (delta --patch) or a bundle
        if (delta) return await (await import('./patch.js')).runPatchInspect(delta, opts);
        if (raw) {
          const doc = rawDocument(src, raw, opts.platform ? parsePlatform(opts.platform) : undefined);
          if (doc.note) warn(doc.note);
          process.stdout.write(doc.bytes);
          return;
        }
        if (opts.platform) src.images = filterPlatform(src.images, parsePlatform(opts.platform));
        const report = inspect(src);
        if (opts.json) printJson(report);
        else print(renderInspect(report, opts.explain));
      } finally {
        await src.close();
      }
    });
}

/** --raw KIND: config, manifest or index. */
function parseRawKind(v: string): RawKind {
  if ((RAW_KINDS as readonly string[]).includes(v)) return v as RawKind;
  throw new UsageError(`--raw must be one of ${RAW_KINDS.join(', ')}, not ${JSON.stringify(v)}`);
}
