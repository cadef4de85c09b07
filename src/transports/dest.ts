/**
 * Destinations: where commands write images, and the one write pipeline every op goes through (`writeImages`).
 * Names follow the sources' (spec.ts), one table (table.ts):
 *   PATH or docker-archive:PATH[:NAME:TAG]   a docker save archive ('-' is standard output)
 *   oci:DIR[:TAG]                            an OCI image layout (a new directory, or new entries in one)
 *   oci-archive:PATH[:TAG]                   an OCI layout in a tar
 *   docker-daemon:[NAME:TAG]                 a Docker engine (loaded through its API)
 *   docker://REGISTRY/REPO[:TAG]             a registry (pushed; the tag moves last, so a failure changes nothing)
 */
import { UsageError } from '../errors.js';
import { chainIds } from '../oci/identities.js';
import { ensureDigests } from '../image/ensure-digests.js';
import { checkLayerList, NO_PROOF, proveImages, withStreamProofs } from '../image/proof.js';
import type { WritableImage } from '../image/writable.js';
import type { DestAccepts, DestKind, DestSpec, EngineTagMove, StagedWrite, WriteOptions, WriteResult } from './contract.js';
import { accepts, needsBlobDigests, transportEntry, TRANSPORTS } from './table.js';

export type { DestAccepts, DestKind, DestSpec, EngineTagMove, WriteOptions, WriteResult };

export function parseDestSpec(text: string, fallback: DestKind = 'docker-archive'): DestSpec {
  if (text === '-') return { kind: 'docker-archive', path: '-', text };
  for (const e of TRANSPORTS) {
    const p = e.prefix;
    if (!p || !e.dest || !text.startsWith(p)) continue;
    const kind = e.transport as DestKind;
    const rest = text.slice(p.length);
    if (e.dest.name) return e.dest.name(rest, text);
    if (!rest) throw new UsageError(`${p} needs a path`);
    const i = rest.indexOf(':');
    return i === -1 ? { kind, path: rest, text } : { kind, path: rest.slice(0, i), tag: rest.slice(i + 1), text };
  }
  if (/^docker:/.test(text)) throw new UsageError('docker:// destinations are written docker://REGISTRY/REPO[:TAG]');
  return { kind: fallback, path: text, text };
}

/** What a parsed destination accepts (table.ts). */
export function destAccepts(dest: DestSpec): DestAccepts {
  return accepts(dest);
}

/** The docker-archive layout a report names for a destination: that of a docker save file, null for the others. */
export function writtenLayout(dest: DestSpec, layout: 'legacy' | 'oci'): 'legacy' | 'oci' | null {
  const a = accepts(dest);
  return a.dockerArchive && a.shape === 'file' ? layout : null;
}

/** One line per tag: what it names now, and what it named before (so a moved tag is never a surprise). */
export function describeTagMoves(moves: EngineTagMove[]): string[] {
  const short = (id: string | null) => (id ? id.replace(/^sha256:/, '').slice(0, 12) : '?');
  return moves.map((m) =>
    m.before === null ? `tagged ${m.tag} -> ${short(m.after)} (a new tag)`
    : m.before === m.after ? `tagged ${m.tag} -> ${short(m.after)} (unchanged: it named this image already)`
    : `tagged ${m.tag} -> ${short(m.after)} (moved: it named ${short(m.before)} before, which stays in the engine)`);
}

/**
 * Writes images to a destination: stage, prove, commit, in that order, for every destination (contract.ts).
 * The proof of every layer written or read to make the images (their digests, sizes and the config's DiffIDs)
 * starts at once and runs beside the staging; the destination commits only once it holds, and drops what it staged
 * otherwise. `opts.verify === false` (`--no-verify`) leaves only byte counts and the layer list checked.
 */
export async function writeImages(dest: DestSpec, images: WritableImage[], opts: WriteOptions = {}): Promise<WriteResult> {
  const { accepts: a, stage } = transportEntry(dest.kind).dest!;
  if (dest.tag && a.shape !== 'registry') {
    if (images.length !== 1) throw new UsageError(`${dest.text}: a tag in the destination name needs exactly one image (there are ${images.length})`);
    // A docker archive or an engine takes NAME:TAG as the image's tag; an OCI layout takes TAG as the ref name.
    if (a.tagIsImageName) images = [{ ...images[0]!, tags: [dest.tag] }];
  }
  // The config is the authority on an image's layers: a list that disagrees with it is refused before any write.
  for (const img of images) checkLayerList(img);
  // Blob digests a manifest needs are learnt first, on the caller's images (an op reports the manifest digest).
  if (needsBlobDigests(a, opts.layout)) await ensureDigests(images);
  // Layers a thin archive leaves out are decided here, so the proof covers exactly what is written.
  if (opts.include) images = leaveOut(images, opts.include);
  const verify = opts.verify !== false;
  if (verify) images = withStreamProofs(images);
  const proof = verify ? proveImages(images) : NO_PROOF;
  let staged: StagedWrite;
  try {
    staged = await stage(dest, images, opts);
  } catch (e) {
    // The staging's own failure is the one to report; the proof's outcome no longer matters, but must settle.
    await proof.done().catch(() => undefined);
    throw e;
  }
  try {
    await proof.done();
  } catch (e) {
    await staged.abort();
    throw e;
  }
  return staged.commit();
}

/** The images with the layers `include` declines left out (no bytes: a thin archive names them only). */
function leaveOut(images: WritableImage[], include: NonNullable<WriteOptions['include']>): WritableImage[] {
  return images.map((img) => {
    const chains = chainIds(img.layers.map((l) => l.diffId));
    return {
      ...img,
      layers: img.layers.map((l, i) => {
        if (!l.open || include(img, i, chains[i]!)) return l;
        const { open: _open, prove: _prove, locate: _locate, check: _check, ...left } = l;
        return left;
      }),
    };
  });
}
