/**
 * `import`: a one-layer image from a filesystem tar (a `docker export`, a `stowage export`, any rootfs tar; plain,
 * gzip or zstd, told from the bytes), with a config built from the edit flags or taken from another image. The
 * layer is the input's entries checked by the same rules as every layer (src/layerfs/merge.ts: untrusted names
 * refused, hard links checked) and copied byte for byte; whiteouts mean nothing without a layer below and are
 * dropped with a warning.
 */
import { polling } from '../image/progress.js';
import { createReadStream } from 'node:fs';
import { open as openFile, stat } from 'node:fs/promises';
import { noteInput } from '../fs/same-file.js';
import { StowageError, UsageError } from '../errors.js';
import { decompress } from '../compress/decompress.js';
import { describeCompression, sniff, SNIFF_BYTES } from '../compress/detect.js';
import { editTime, type EditRequest } from '../image/config-edit.js';
import type { SourceImage } from '../image/model.js';
import { writeNewLayer } from '../image/new-layer.js';
import { mergeLayers, type MergeLayer, type MergeStats } from '../layerfs/merge.js';
import type { Digest } from '../oci/digest.js';
import { hostPlatform } from '../oci/platform.js';
import type { HistoryEntry, ImageConfig } from '../oci/types.js';
import { StreamByteSource, type ByteSource } from '../tar/bytesource.js';
import { ReadAheadFileSource } from '../tar/readahead-source.js';
import { destAccepts, writtenLayout, type DestSpec, type WriteResult } from '../transports/dest.js';
import { produce, type ImagesMade } from './produce.js';
import { storesManifest } from '../transports/table.js';
import { applyEdit, LEGACY_DROPS_ANNOTATIONS, newImage } from '../image/mutate.js';
import { peek } from '../hash/layer-digest.js';

export interface ImportOptions {
  dest: DestSpec;
  /** Take the config (command, environment, ports, platform, ...) of this image; the layers and history are new. */
  configFrom?: { spec: string; image: SourceImage };
  request?: EditRequest;
  layout?: 'legacy' | 'oci';
  /** Standard input, or a stream standing in for it, when the input is `-`. */
  stdin?: AsyncIterable<Buffer>;
  /** The image's created time (default: a `created` change, else now; the CLI passes $SOURCE_DATE_EPOCH here). */
  now?: string;
  onProgress?: (bytes: number) => void;
}

export interface ImportReport {
  schema: 'stowage.import/v1';
  input: string;
  compression: string;
  configFrom: string | null;
  image: { tags: string[]; imageId: Digest; diffId: Digest; size: number; platform: string };
  entries: MergeStats;
  changes: string[];
  warnings: string[];
  written: { dest: string; format: string; layout: 'legacy' | 'oci' | null; bytes: number };
}

/** The input as a merge layer: a plain tar file is read by offset; anything else streams through a decompressor. */
async function openInput(input: string, stdin: AsyncIterable<Buffer> | undefined): Promise<{ layer: MergeLayer; compression: string }> {
  const label = input === '-' ? 'standard input' : input;
  let head: Buffer;
  let stream: AsyncIterable<Buffer> | undefined;
  if (input === '-') {
    const p = await peek(stdin ?? (process.stdin as AsyncIterable<Buffer>), SNIFF_BYTES);
    head = p.head;
    stream = p.rest;
  } else {
    let st;
    try {
      st = await stat(input);
    } catch {
      throw new StowageError(`${input}: no such file`);
    }
    if (!st.isFile()) throw new StowageError(`${input}: not a file (give a filesystem tar)`);
    noteInput(input);
    const fh = await openFile(input, 'r');
    try {
      const b = Buffer.alloc(SNIFF_BYTES);
      const { bytesRead } = await fh.read(b, 0, SNIFF_BYTES, 0);
      head = b.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }
  const kind = sniff(head);
  if (head.length === 0) throw new StowageError(`${label}: empty input (a filesystem tar has at least one entry)`);
  if (kind !== 'none' && kind !== 'gzip' && kind !== 'zstd') throw new StowageError(`${label}: ${describeCompression(kind)}; give a tar, a gzip'd tar or a zstd'd tar`);
  let opened = false;
  const open = async (): Promise<ByteSource> => {
    if (stream) {
      // A stream is read once; the merge re-reads a layer only for duplicate names, which a stream cannot serve.
      if (opened) throw new StowageError(`${label}: has a hard link to a name given twice; read it from a file instead of standard input`);
      opened = true;
      return new StreamByteSource(kind === 'none' ? stream : decompress(kind, stream, label));
    }
    if (kind === 'none') return ReadAheadFileSource.open(input);
    return new StreamByteSource(decompress(kind, createReadStream(input, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>, label));
  };
  return { layer: { label, open }, compression: kind };
}

/** The config of the new image, before the edit flags apply. */
function baseConfig(diffId: Digest, created: string, history: HistoryEntry, from?: SourceImage): ImageConfig {
  if (from) {
    const c = JSON.parse(from.config.bytes.toString('utf8')) as ImageConfig & Record<string, unknown>;
    c.created = created;
    c.rootfs = { type: 'layers', diff_ids: [diffId] };
    c.history = [history];
    return c;
  }
  const host = hostPlatform();
  // Keys in the order docker writes them (Go's struct order), so the bytes look like an engine's.
  return {
    architecture: host.architecture,
    ...(host.variant ? { variant: host.variant } : {}),
    config: {},
    created,
    history: [history],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [diffId] },
  } as ImageConfig;
}

export async function importRootfs(input: string, opts: ImportOptions): Promise<ImportReport> {
  return produce(await makeImport(input, opts));
}

/** The imported image, ready for the write pipeline (`produce`); its layer's file goes when the write is over. */
export async function makeImport(input: string, opts: ImportOptions): Promise<ImagesMade<ImportReport>> {
  const { dest } = opts;
  const layout = opts.layout ?? 'legacy';
  if (dest.tag && opts.request?.tags) throw new UsageError(`${dest.text}: names a tag, and the edit request sets tags too: give one of them`);
  const warnings: string[] = [];
  const { layer: inputLayer, compression } = await openInput(input, opts.stdin);
  const { layer, result: entries } = await writeNewLayer((w) => polling(opts.onProgress, () => w.bytes, () =>
    mergeLayers([inputLayer], w, { impliedDirs: true, warn: (m) => warnings.push(m) })));
  try {
    if (entries.whiteouts || entries.opaqueDirs) {
      warnings.push(`${input === '-' ? 'standard input' : input}: ${entries.whiteouts + entries.opaqueDirs} whiteout entries dropped (a filesystem tar has no layer below to delete from)`);
    }
    const created = editTime(opts.request, opts.now);
    const history: HistoryEntry = { created, created_by: 'stowage import', comment: `imported from ${input === '-' ? 'standard input' : input}` };
    const config = baseConfig(layer.diffId, created, history, opts.configFrom?.image);
    const fin = await applyEdit(newImage(config, [layer.writable()]), opts.request, {
      config,
      newConfig: true,
      sourceTags: [],
      editTool: 'stowage import',
      now: created,
      canReadLayers: true,
    });
    const { image } = fin;
    warnings.push(...fin.warnings);
    if (Object.keys(fin.annotations.after).length && !storesManifest(destAccepts(dest), layout)) warnings.push(LEGACY_DROPS_ANNOTATIONS);
    const parsed = JSON.parse(image.config.toString('utf8')) as ImageConfig;
    const report = (r: WriteResult): ImportReport => ({
      schema: 'stowage.import/v1',
      input,
      compression,
      configFrom: opts.configFrom?.spec ?? null,
      image: {
        tags: dest.tag ? [dest.tag] : image.tags,
        imageId: image.configDigest,
        diffId: layer.diffId,
        size: layer.size,
        platform: [parsed.os, parsed.architecture, parsed.variant].filter(Boolean).join('/'),
      },
      entries,
      changes: fin.changes,
      warnings,
      written: { dest: dest.text, format: dest.kind, layout: writtenLayout(dest, layout), bytes: r.bytes },
    });
    return { images: [image], dest, write: { layout }, report, release: () => layer.remove() };
  } catch (e) {
    await layer.remove();
    throw e;
  }
}
