/**
 * The bases of a patch delta or bundle, read from where it is applied: what the site holds is where the result
 * goes (an engine, an OCI layout, a registry), so `apply BUNDLE -o DEST` needs no --base. The names to look for are
 * the images the delta was made against and those the site states it was made for recorded; a name the destination
 * does not hold is passed over (a site at another release holds others), and apply then says which layer is missing.
 */
import { existsSync } from 'node:fs';
import { StowageError } from '../errors.js';
import type { ImageSource } from '../image/model.js';
import type { PatchIndex } from '../patch/format.js';
import { openSource } from '../transports/open.js';
import { splitPrefix } from '../transports/spec.js';
import { nameOnSite, registryRoot } from './site-names.js';

/** The image names a delta's bases go by: the ones it was made against, then those its site states recorded. */
export function baseNames(index: PatchIndex): string[] {
  return [...new Set([...(index.baseImages ?? []), ...(index.sites ?? []).flatMap((s) => s.images)])].filter((n) => !n.startsWith('sha256:'));
}

/** An image the place does not hold (an engine's "no image", a registry's "manifest unknown"): not a failure here. */
export function isNotThere(e: unknown): boolean {
  return e instanceof StowageError && (e.code === 'not-found' || /no such|not found|manifest unknown/i.test(e.message));
}

/** Opens what it can of `names` through `open`; a name that is not there is skipped. */
async function openEach(names: string[], open: (n: string) => Promise<ImageSource>): Promise<ImageSource[]> {
  const out: ImageSource[] = [];
  for (const n of names) {
    try {
      out.push(await open(n));
    } catch (e) {
      // Not there (another release's image): skipped; anything else (a refused connection, no engine) is said.
      if (!isNotThere(e)) throw e;
    }
  }
  return out;
}

/**
 * The sources holding the bases at the destination `output`: the engine (`docker-daemon:`), the layout (`oci:DIR`,
 * when it exists), or the site's registry (`docker://SITE/` or `docker://SITE/REPO:TAG`); none for a file output.
 */
export async function basesAtDestination(index: PatchIndex, output: string): Promise<ImageSource[]> {
  const p = splitPrefix(output);
  const names = baseNames(index);
  if (p?.transport === 'docker-daemon') return openEach(names, (n) => openSource(`docker-daemon:${n}`, { seekable: true }));
  if (p?.transport === 'oci') {
    // oci:DIR or oci:DIR:TAG: the whole layout, when it is there already.
    const path = existsSync(p.rest) ? p.rest : p.rest.replace(/:[^/:]*$/, '');
    return existsSync(path) ? [await openSource(`oci:${path}`, { seekable: true })] : [];
  }
  if (p?.transport === 'docker') {
    const host = registryRoot(output) ?? p.rest.replace(/^\/\//, '').split('/')[0]!;
    return openEach(names, (n) => openSource(`docker://${host}/${nameOnSite(n)}`, { seekable: true }));
  }
  return [];
}
