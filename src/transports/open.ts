/**
 * Opens any image source the command line can name (see spec.ts) through its transport's entry (table.ts), and
 * picks images from it.
 */
import { StowageError, UsageError } from '../errors.js';
import { hostPlatform, platformMatches, formatPlatform, type Platform } from '../oci/platform.js';
import type { ImageSource, SourceImage } from '../image/model.js';
import type { OpenOptions, SourceSpec, TransportEntry } from './contract.js';
import { parseSourceSpec } from './spec.js';
import { noSuchSource } from './suggest.js';
import { claimingEntries, transportEntry } from './table.js';
import { NoSuchSource } from './tree-source.js';

export type { OpenOptions };

/** Opens a source with every image it holds, through its transport's entry (table.ts). */
export async function openSource(text: string, opts: OpenOptions = {}): Promise<ImageSource> {
  const spec = parseSourceSpec(text);
  try {
    const claimed = await claimedBy(spec, opts);
    if (claimed) return await claimed.source.open(spec, opts);
    return await transportEntry(spec.transport).source.open(spec, opts);
  } catch (e) {
    // Name what was typed, selector and all (app:2, not app), and what would have worked.
    if (e instanceof NoSuchSource && spec.transport === 'auto') throw new StowageError(noSuchSource(spec.text));
    throw e;
  }
}

/**
 * Opens what several arguments name together (a bundle's parts, in any order), or the one source a single argument
 * names; `several` says, for the message, what else the command takes.
 */
export async function openSources(texts: string[], opts: OpenOptions, several: string): Promise<ImageSource> {
  for (const e of claimingEntries()) {
    if (!e.source.claimsAll || !e.source.openAll || !(await e.source.claimsAll(texts))) continue;
    if (!opts.also?.includes(e.transport)) throw new StowageError(e.refused?.({ transport: e.transport, path: texts[0]!, text: texts[0]! }) ?? `${texts[0]}: not taken here`);
    return e.source.openAll(texts, opts);
  }
  if (texts.length !== 1) throw new UsageError(several);
  return openSource(texts[0]!, opts);
}

/**
 * The prefix-less transport whose content a bare path or standard input is (a patch delta), if any; refused in one
 * line when the operation does not take it. Standard input is peeked at only by an operation that takes one.
 */
async function claimedBy(spec: SourceSpec, opts: OpenOptions): Promise<TransportEntry | undefined> {
  if (spec.transport !== 'auto' && spec.transport !== 'stdin') return undefined;
  for (const e of claimingEntries()) {
    const takes = opts.also?.includes(e.transport) ?? false;
    if (!e.source.claims || (spec.transport === 'stdin' && !takes)) continue;
    if (!(await e.source.claims(spec, opts))) continue;
    if (!takes) throw new StowageError(e.refused?.(spec) ?? `${spec.text}: not taken here`);
    return e;
  }
  return undefined;
}

/** Keeps the images of a platform; an error names the platforms there are when none matches. */
export function filterPlatform(images: SourceImage[], platform: Platform): SourceImage[] {
  const out = images.filter((i) => platformMatches(i.platform, platform));
  if (!out.length) {
    throw new StowageError(`no image for platform ${formatPlatform(platform)} (there is: ${[...new Set(images.map((i) => formatPlatform(i.platform)))].join(', ')})`);
  }
  return out;
}

/**
 * Picks the single image an operation works on: the only one, or the one for this machine's platform when an
 * index holds several; otherwise asks the user to choose.
 */
export function pickOne(src: ImageSource, platform?: Platform): SourceImage {
  let images = src.images;
  if (platform) images = filterPlatform(images, platform);
  if (images.length === 1) return images[0]!;
  const distinctPlatforms = new Set(images.map((i) => formatPlatform(i.platform)));
  if (!platform && distinctPlatforms.size === images.length) {
    const host = images.filter((i) => platformMatches(i.platform, hostPlatform()));
    if (host.length === 1) return host[0]!;
  }
  const names = images.map((i) => `${i.tags.join(',') || i.config.digest.slice(0, 19)} ${formatPlatform(i.platform)}`);
  throw new StowageError(`${src.spec}: holds ${images.length} images; choose one with ${src.selector ? `${src.selector} or --platform` : '--platform'} (${names.join('; ')})`);
}
