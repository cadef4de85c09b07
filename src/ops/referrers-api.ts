/**
 * The OCI 1.1 referrers API (`GET /v2/<name>/referrers/<digest>`, distribution spec 1.1): a registry that has it
 * answers an image index listing every manifest whose `subject` is the digest, whether or not any tag names them.
 * Asked first; a registry without it (the CNCF registry 2.8 answers 404) gives undefined and the caller falls back
 * to the referrers tag scheme. The answer is only a list of names: each manifest is then fetched by digest, which
 * proves it, so a registry lying here can add nothing that does not hash to what it claims.
 */
import { isDigest, type Digest } from '../oci/digest.js';
import { isRecord } from '../oci/json.js';
import { OCI_INDEX } from '../oci/mediatypes.js';
import { JSON_LIMIT } from '../limits.js';
import type { RegistryClient } from '../transports/registry/client.js';
import { header, readBody } from '../transports/registry/http.js';
import { MAX_REFERRERS } from '../patch/referrers-schema.js';

/** The digests the referrers API lists for `subject`, or undefined when the registry does not answer it. */
export async function referrersFromApi(client: RegistryClient, subject: Digest, what: string): Promise<Digest[] | undefined> {
  const out: Digest[] = [];
  let url: string | undefined = `/v2/${client.repo}/referrers/${subject}`;
  // The registry may page its answer (a `Link: <...>; rel="next"` header); followed up to the referrers limit.
  for (let page = 0; url && page <= MAX_REFERRERS; page++) {
    const res = await client.http.send({ method: 'GET', url, headers: { accept: OCI_INDEX }, scopes: [`repository:${client.repo}:pull`], what: `${what}: referrers of ${subject}` });
    if (res.statusCode !== 200 || (header(res, 'content-type') ?? '').split(';')[0]!.trim() !== OCI_INDEX) {
      await res.body.dump();
      // Not the API (404, 405, a page of HTML): the tag scheme is the way. A later page failing loses nothing found.
      return page === 0 ? undefined : out;
    }
    let doc: unknown;
    try {
      doc = JSON.parse((await readBody(res, JSON_LIMIT, what)).toString('utf8'));
    } catch {
      return page === 0 ? undefined : out;
    }
    if (!isRecord(doc) || !Array.isArray(doc.manifests)) return page === 0 ? undefined : out;
    for (const m of doc.manifests) if (isRecord(m) && isDigest(m.digest) && !out.includes(m.digest)) out.push(m.digest);
    url = nextPage(header(res, 'link'));
  }
  return out;
}

/** The next page's path from a Link header, only on the same registry (a relative or same-origin URL). */
function nextPage(link: string | undefined): string | undefined {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!m) return undefined;
  const u = m[1]!;
  return u.startsWith('/v2/') ? u : undefined;
}
