/**
 * Where a bundle's images land on a site registry given as `docker://SITE/` (its root): each image under its own
 * name, without the registry it came from (`registry.example/team/app:2` -> `SITE/team/app:2`, `app:2` ->
 * `SITE/app:2`), so the site's own manifests and tags follow upstream's names.
 */
import { familiarName, parseReference } from '../oci/reference.js';
import { splitPrefix } from '../transports/spec.js';

/** The host of `docker://HOST/` (a registry's root, nothing after the slash); undefined for any other output. */
export function registryRoot(output: string): string | undefined {
  const p = splitPrefix(output);
  if (p?.transport !== 'docker') return undefined;
  // Only with the trailing slash: `docker://alpine` stays an image reference (Docker Hub's alpine).
  return /^([^/]+)\/$/.exec(p.rest)?.[1];
}

/** The repository and tag an image named `name` takes on another registry. */
export function nameOnSite(name: string): string {
  const r = parseReference(name);
  const path = r.domain === 'docker.io' ? familiarName({ domain: r.domain, path: r.path }) : r.path;
  return `${path}:${r.tag ?? 'latest'}`;
}
