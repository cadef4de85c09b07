/**
 * Registry housekeeping, as `crane ls`, `crane digest` and `crane delete` do it: a repository's tags, the digest a
 * source's manifest has, and deleting a tag's or a digest's manifest.
 */
import { StowageError, UsageError } from '../errors.js';
import type { Digest } from '../oci/digest.js';
import { parsePlatform } from '../oci/platform.js';
import { openSource, pickOne } from '../transports/open.js';
import { splitPrefix } from '../transports/spec.js';
import type { RegistryOptions } from '../transports/registry/options.js';
import { clientFor, registryReference } from '../transports/registry/source.js';
import { parseReference } from '../oci/reference.js';

export interface LsReport {
  schema: 'stowage.ls/v1';
  repository: string;
  tags: string[];
}

/** The part after docker://, which every housekeeping command wants. */
function registryText(text: string, command: string, example: string): string {
  const p = splitPrefix(text);
  if (p?.transport !== 'docker') throw new UsageError(`${command} works on registries: give docker://${text.replace(/^docker:/, '')} (for example ${example})`);
  return p.rest.replace(/^\/\//, '');
}

export async function listTags(text: string, opts: RegistryOptions = {}): Promise<LsReport> {
  const rest = registryText(text, 'ls', 'docker://registry.example.com/team/app');
  const ref = parseReference(rest);
  if (ref.tag || ref.digest) throw new UsageError(`${text}: ls lists a repository's tags; give the repository without :TAG or @DIGEST`);
  const client = clientFor(ref, opts);
  // A repository the registry does not know is an error (404 NAME_UNKNOWN), as with crane ls.
  const tags = await client.tags(1_000_000, 'error');
  return { schema: 'stowage.ls/v1', repository: `${ref.domain}/${ref.path}`, tags };
}

export interface DigestReport {
  schema: 'stowage.digest/v1';
  source: string;
  digest: Digest;
  mediaType: string;
  /** True when the source holds no manifest and stowage built one (a classic docker save): a registry's will differ. */
  synthesized: boolean;
}

/**
 * The manifest digest of a source: for a registry reference the digest of what the tag names (an index for a
 * multi-platform tag, as crane digest), or of one platform's manifest with `platform`; for archives and layouts
 * the manifest of the image (synthesized when the source holds none, and said so).
 */
export async function digestOf(text: string, opts: { platform?: string; registry?: RegistryOptions } = {}): Promise<DigestReport> {
  const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
  const src = await openSource(text, { digest: false, ...(opts.registry ? { registry: opts.registry } : {}) });
  try {
    if (src.registry && !platform) {
      return { schema: 'stowage.digest/v1', source: text, digest: src.registry.digest, mediaType: src.registry.mediaType, synthesized: false };
    }
    const img = pickOne(src, platform);
    if (!img.manifest) throw new StowageError(`${text}: no manifest digest (${img.manifestMissing ?? 'the source holds no manifest'})`);
    return { schema: 'stowage.digest/v1', source: text, digest: img.manifest.digest, mediaType: img.manifest.mediaType, synthesized: img.manifest.origin === 'synthesized' };
  } finally {
    await src.close();
  }
}

export interface DeleteReport {
  schema: 'stowage.delete/v1';
  reference: string;
  digest: Digest;
  mediaType: string | null;
  /** The repository's tags that named the deleted manifest (all gone with it). */
  tagsRemoved: string[];
}

export async function deleteImage(text: string, opts: RegistryOptions = {}): Promise<DeleteReport> {
  const rest = registryText(text, 'delete', 'docker://registry.example.com/team/app:1');
  const ref = parseReference(rest);
  if (!ref.tag && !ref.digest) throw new UsageError(`${text}: give the tag or digest to delete (REPO:TAG or REPO@sha256:...)`);
  const full = registryReference(rest);
  const client = clientFor(full, opts);
  // The API deletes by digest; a tag is resolved first, and every tag naming the same manifest goes with it.
  const top = await client.getManifest(full.digest ?? full.tag!);
  const tags = await client.tags(1_000_000);
  const removed: string[] = [];
  for (const t of tags) {
    if (t === full.tag) removed.push(t);
    else if ((await client.headManifest(t)) === top.digest) removed.push(t);
  }
  await client.deleteManifest(top.digest);
  return { schema: 'stowage.delete/v1', reference: `${full.domain}/${full.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`, digest: top.digest, mediaType: top.mediaType ?? null, tagsRemoved: removed };
}
