/**
 * The OCI distribution API for one repository: manifests (GET with every media type we read, PUT with the right
 * one), blobs (HEAD, GET streamed with digest checks and Range resume after a dropped connection, cross-repository
 * mounts, monolithic and chunked uploads that resume from the registry's offset), tags. Every download is checked
 * against its digest; a blob that does not match is an error, never data.
 */
import { createHash } from 'node:crypto';
import { StowageError } from '../../errors.js';
import { JSON_LIMIT } from '../../limits.js';
import { verified } from '../../hash/verified.js';
import { sha256, type Digest } from '../../oci/digest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../../oci/mediatypes.js';
import { errorDetail, header, readBody, RegistryHttp, type HttpRequest, type Response } from './http.js';
import { backoff, describeNetError, isRetryableError, sleep } from './retry.js';

export const MANIFEST_ACCEPT = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].join(', ');

export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  mediaType: string;
}

export interface UploadSource {
  /** A fresh stream of the blob's bytes (called again for each attempt). */
  open: () => AsyncIterable<Buffer>;
  /** Known ahead (the blob exists somewhere): a monolithic upload. Unknown (compressing on the way): chunked. */
  digest?: Digest;
  size?: number;
  what: string;
}

export interface UploadResult {
  digest: Digest;
  size: number;
  /** 'uploaded', 'mounted' from another repository, or 'exists' already. */
  how: 'uploaded' | 'mounted' | 'exists';
}

import type { ClientOptions } from './options.js';

export type { ClientOptions };

export class RegistryClient {
  readonly name: string;
  constructor(readonly http: RegistryHttp, readonly repo: string, private readonly opts: ClientOptions = {}) {
    this.name = `${http.host}/${repo}`;
  }

  /** A client for another repository of the same registry, sharing connections and credentials (read only). */
  sibling(repo: string): RegistryClient {
    return new RegistryClient(this.http, repo, { ...this.opts, push: false });
  }

  private pull(): string[] {
    return this.opts.push ? this.push() : [`repository:${this.repo}:pull`];
  }
  private push(): string[] {
    return [`repository:${this.repo}:pull,push`];
  }

  private async fail(res: Response, what: string, notFound?: string): Promise<never> {
    if (res.statusCode === 401 || res.statusCode === 403) throw await this.http.authError(res, what);
    const d = await errorDetail(res);
    if (res.statusCode === 404 && notFound) {
      const repoMissing = d.code === 'NAME_UNKNOWN';
      throw new StowageError(repoMissing ? `${this.name}: no such repository (NAME_UNKNOWN)` : `${what}: ${notFound}${d.code ? ` (${d.code})` : ''}`);
    }
    throw new StowageError(`${what}: the registry answered ${res.statusCode}${d.code ? ` ${d.code}` : ''}${d.message ? `: ${d.message}` : ''}`);
  }

  /** GETs a manifest or index by tag or digest, checking its digest. */
  async getManifest(reference: string): Promise<FetchedManifest> {
    const what = `${this.name}:${reference}`.replace(/:sha256:/, '@sha256:');
    const res = await this.http.send({ method: 'GET', url: `/v2/${this.repo}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, scopes: this.pull(), what });
    if (res.statusCode !== 200) await this.fail(res, what, 'no such image');
    const bytes = await readBody(res, JSON_LIMIT, what);
    const digest = sha256(bytes);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new StowageError(`${what}: the manifest the registry sent hashes to ${digest}, not to the digest asked for`);
    }
    const claimed = header(res, 'docker-content-digest');
    if (claimed && claimed.startsWith('sha256:') && claimed !== digest) {
      throw new StowageError(`${what}: the manifest hashes to ${digest} but the registry says ${claimed}`);
    }
    let mediaType = (header(res, 'content-type') ?? '').split(';')[0]!.trim();
    try {
      const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: string; manifests?: unknown };
      if (typeof doc.mediaType === 'string') mediaType = doc.mediaType;
      else if (!mediaType || mediaType === 'application/json') mediaType = Array.isArray(doc.manifests) ? OCI_INDEX : OCI_MANIFEST;
    } catch {
      throw new StowageError(`${what}: the manifest is not JSON`);
    }
    return { bytes, digest, mediaType };
  }

  /** The digest of a tag's manifest without fetching it, or undefined when absent. */
  async headManifest(reference: string): Promise<Digest | undefined> {
    const what = `HEAD ${this.name}:${reference}`;
    const res = await this.http.send({ method: 'HEAD', url: `/v2/${this.repo}/manifests/${reference}`, headers: { accept: MANIFEST_ACCEPT }, scopes: this.pull(), what });
    await res.body.dump();
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200) await this.fail(res, what);
    return header(res, 'docker-content-digest') as Digest | undefined;
  }

  /** The size of a blob when the repository has it, else undefined. */
  async headBlob(digest: Digest, scopes = this.pull()): Promise<number | undefined> {
    const what = `HEAD ${this.name} blob ${digest}`;
    const res = await this.http.send({ method: 'HEAD', url: `/v2/${this.repo}/blobs/${digest}`, scopes, what });
    await res.body.dump();
    if (res.statusCode === 404) return undefined;
    if (res.statusCode !== 200 && res.statusCode !== 307 && res.statusCode !== 302) await this.fail(res, what);
    return Number(header(res, 'content-length') ?? NaN);
  }

  /** GETs a blob from `offset`, following a redirect to storage (without our credentials when it leaves the registry). */
  private async openBlob(digest: Digest, offset: number, end: number | undefined, what: string): Promise<Response> {
    const headers: Record<string, string> = {};
    if (offset > 0 || end !== undefined) headers.range = `bytes=${offset}-${end ?? ''}`;
    let url = `/v2/${this.repo}/blobs/${digest}`;
    for (let hops = 0; ; hops++) {
      const res = await this.http.send({ method: 'GET', url, headers, scopes: this.pull(), what });
      if ([301, 302, 303, 307, 308].includes(res.statusCode) && hops < 5) {
        const loc = header(res, 'location');
        await res.body.dump();
        if (!loc) throw new StowageError(`${what}: redirect without a Location`);
        url = new URL(loc, await this.http.baseUrl()).toString();
        continue;
      }
      if (res.statusCode === 200 || res.statusCode === 206) return res;
      // A head asked past a small blob's end: go-containerregistry's registry answers 416 where RFC 9110 sends the
      // bytes there are; asked again without the Range (the caller reads only what it wants).
      if (res.statusCode === 416 && offset === 0 && headers.range && hops < 5) {
        await res.body.dump();
        delete headers.range;
        continue;
      }
      await this.fail(res, what, 'blob unknown to the registry');
    }
  }

  /** The first bytes of a blob (a Range request), for sniffing its compression. */
  async blobHead(digest: Digest, n: number): Promise<Buffer> {
    const what = `${this.name} blob ${digest}`;
    const res = await this.openBlob(digest, 0, n - 1, what);
    const chunks: Buffer[] = [];
    let got = 0;
    for await (const c of res.body as AsyncIterable<Buffer>) {
      chunks.push(c);
      got += c.length;
      if (got >= n) break; // a registry that ignores Range sends it all: stop reading
    }
    res.body.destroy();
    return Buffer.concat(chunks).subarray(0, n);
  }

  /**
   * Streams a blob, checked against its digest (and size) as it passes; a connection dropped mid-blob is resumed
   * with a Range request from the last byte received (or re-read and skipped when the registry ignores Range).
   */
  getBlob(digest: Digest, size?: number): AsyncIterable<Buffer> {
    const what = `${this.name} blob ${digest}`;
    return verified(this.resumingBlob(digest, size, what), { what, digest, ...(size !== undefined ? { size } : {}) });
  }

  /** A blob's bytes across dropped connections (the digest is checked by getBlob). */
  private async *resumingBlob(digest: Digest, size: number | undefined, what: string): AsyncGenerator<Buffer> {
    let got = 0;
    let failures = 0;
    for (;;) {
      const res = await this.openBlob(digest, got, undefined, what);
      let skip = got > 0 && res.statusCode === 200 ? got : 0;
      try {
        for await (const c of res.body as AsyncIterable<Buffer>) {
          let chunk = c;
          if (skip) {
            if (chunk.length <= skip) { skip -= chunk.length; continue; }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          got += chunk.length;
          if (size !== undefined && got > size) throw new StowageError(`${what}: the registry sent more than the ${size} bytes its descriptor says`);
          yield chunk;
        }
        if (size !== undefined && got < size) throw Object.assign(new Error(`the blob ended after ${got} of ${size} bytes`), { code: 'UND_ERR_SOCKET' });
        break;
      } catch (e) {
        if (e instanceof StowageError) throw e;
        failures++;
        if (!isRetryableError(e) || failures >= this.http.attempts) {
          throw new StowageError(`${what}: ${describeNetError(e)} after ${got} bytes${failures > 1 ? ` (gave up after ${failures} attempts)` : ''}`);
        }
        res.body.destroy();
        await sleep(backoff(failures));
      }
    }
  }

  /** Tries to mount a blob from another repository of the same registry; true when the registry did. */
  async mount(digest: Digest, from: string): Promise<{ mounted: true } | { mounted: false; location?: string }> {
    const what = `mount ${digest} from ${from} into ${this.name}`;
    const res = await this.http.send({
      method: 'POST',
      url: `/v2/${this.repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      headers: { 'content-length': '0' },
      scopes: [...this.push(), `repository:${from}:pull`],
      what,
    });
    if (res.statusCode === 201) {
      await res.body.dump();
      return { mounted: true };
    }
    if (res.statusCode === 202) {
      await res.body.dump();
      const loc = header(res, 'location');
      return loc ? { mounted: false, location: loc } : { mounted: false };
    }
    if (res.statusCode === 401 || res.statusCode === 403) await this.fail(res, what);
    await res.body.dump();
    return { mounted: false };
  }

  private async startUpload(what: string): Promise<string> {
    const res = await this.http.send({ method: 'POST', url: `/v2/${this.repo}/blobs/uploads/`, headers: { 'content-length': '0' }, scopes: this.push(), what });
    if (res.statusCode !== 202) await this.fail(res, what);
    await res.body.dump();
    const loc = header(res, 'location');
    if (!loc) throw new StowageError(`${what}: the registry started an upload without a Location`);
    return loc;
  }

  private async abs(loc: string): Promise<string> {
    return new URL(loc, await this.http.baseUrl()).toString();
  }

  private withDigest(loc: string, digest: Digest): string {
    const u = new URL(loc);
    u.searchParams.set('digest', digest);
    return u.toString();
  }

  /** How far the registry got with an upload session: the next byte it wants, or undefined when the session is gone. */
  private async uploadOffset(loc: string, what: string): Promise<{ offset: number; location: string } | undefined> {
    try {
      const res = await this.http.send({ method: 'GET', url: loc, scopes: this.push(), what: `${what} (status)` });
      await res.body.dump();
      if (res.statusCode !== 204 && res.statusCode !== 200) return undefined;
      const range = header(res, 'range');
      const m = range ? /^(?:bytes=)?0-(\d+)$/.exec(range) : null;
      const next = header(res, 'location');
      return { offset: m ? Number(m[1]) + 1 : 0, location: next ? await this.abs(next) : loc };
    } catch {
      return undefined;
    }
  }

  /**
   * Uploads a blob. With its digest known: one PUT with the whole body (monolithic). Otherwise (or with
   * chunkSize): PATCHes then a PUT with the digest computed on the way. After a failure the upload resumes from
   * the offset the registry reports (the source is read again and the bytes it has are skipped), or starts over.
   */
  async upload(src: UploadSource, started?: string): Promise<UploadResult> {
    const what = `upload ${src.what} to ${this.name}`;
    let location = started ? await this.abs(started) : undefined;
    let offset = 0;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.http.attempts; attempt++) {
      try {
        location ??= await this.abs(await this.startUpload(what));
        const progress = { location };
        try {
          const r = src.digest !== undefined && src.size !== undefined && !this.opts.chunkSize && offset === 0
            ? await this.monolithic(src, location, what)
            : await this.chunked(src, location, offset, what, progress);
          return { ...r, how: 'uploaded' };
        } finally {
          // The newest Location the registry gave (it may carry upload state the next request must show).
          location = progress.location;
        }
      } catch (e) {
        if (e instanceof StowageError && !(e as { retry?: boolean }).retry) throw e;
        lastError = e;
        await sleep(backoff(attempt));
        // Resume where the registry says it is; a monolithic PUT or a lost session starts again.
        const st = location ? await this.uploadOffset(location, what) : undefined;
        if (st && (src.digest === undefined || this.opts.chunkSize)) {
          location = st.location;
          offset = st.offset;
        } else {
          location = undefined;
          offset = 0;
        }
      }
    }
    throw new StowageError(`${what}: ${lastError instanceof Error ? describeNetError(lastError) : 'failed'} (gave up after ${this.http.attempts} attempts)`);
  }

  /** Hashes every byte of a fresh read of the source, yielding only those from `from` on. */
  private async *tail(src: UploadSource, from: number, done: (d: Digest, n: number) => void): AsyncGenerator<Buffer> {
    const h = createHash('sha256');
    let n = 0;
    for await (const c of src.open()) {
      h.update(c);
      const start = n;
      n += c.length;
      if (n <= from) continue;
      yield start >= from ? c : c.subarray(from - start);
    }
    done(`sha256:${h.digest('hex')}` as Digest, n);
  }

  private async monolithic(src: UploadSource, location: string, what: string): Promise<{ digest: Digest; size: number }> {
    let got: { d: Digest; n: number } | undefined;
    const res = await this.put(this.withDigest(location, src.digest!), {
      'content-type': 'application/octet-stream', 'content-length': String(src.size),
    }, () => this.tail(src, 0, (d, n) => { got = { d, n }; }), what);
    if (got && got.d !== src.digest) throw new StowageError(`${what}: the source's bytes hash to ${got.d}, not ${src.digest}`);
    await this.finished(res, what);
    return { digest: src.digest!, size: src.size! };
  }

  private async chunked(src: UploadSource, location: string, offset: number, what: string, progress: { location: string }): Promise<{ digest: Digest; size: number }> {
    let total: { d: Digest; n: number } | undefined;
    const chunk = this.opts.chunkSize;
    let loc = location;
    let sent = offset;
    const stream = this.tail(src, offset, (d, n) => { total = { d, n }; });
    if (!chunk) {
      // One PATCH carrying the rest of the stream (chunked transfer encoding): the fastest way when the digest is
      // known only at the end.
      loc = await this.patch(loc, undefined, sent, () => stream, what);
    } else {
      let buf: Buffer[] = [];
      let len = 0;
      const flush = async () => {
        const body = Buffer.concat(buf);
        buf = [];
        len = 0;
        loc = await this.patch(loc, body.length, sent, () => body, what);
        progress.location = loc;
        sent += body.length;
      };
      for await (const c of stream) {
        buf.push(c);
        len += c.length;
        if (len >= chunk) await flush();
      }
      if (len) await flush();
    }
    if (!total) throw new StowageError(`${what}: the source ended early`);
    if (src.digest && total.d !== src.digest) throw new StowageError(`${what}: the source's bytes hash to ${total.d}, not ${src.digest}`);
    const res = await this.put(this.withDigest(loc, total.d), { 'content-length': '0' }, undefined, what);
    await this.finished(res, what);
    return { digest: total.d, size: total.n };
  }

  private async patch(loc: string, length: number | undefined, start: number, body: () => AsyncIterable<Buffer> | Buffer, what: string): Promise<string> {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (length !== undefined) {
      headers['content-length'] = String(length);
      headers['content-range'] = `${start}-${start + length - 1}`;
    }
    const res = await this.send({ method: 'PATCH', url: loc, headers, body, scopes: this.push(), what, noRetry: true });
    if (res.statusCode !== 202 && res.statusCode !== 204) {
      if (res.statusCode >= 500 || res.statusCode === 429) throw retryable(`${what}: PATCH answered ${res.statusCode}`);
      await this.fail(res, what);
    }
    await res.body.dump();
    const next = header(res, 'location');
    return next ? this.abs(next) : loc;
  }

  private async put(url: string, headers: Record<string, string>, body: (() => AsyncIterable<Buffer>) | undefined, what: string): Promise<Response> {
    const res = await this.send({ method: 'PUT', url, headers, ...(body ? { body } : {}), scopes: this.push(), what, noRetry: true });
    if (res.statusCode >= 500 || res.statusCode === 429) {
      await res.body.dump();
      throw retryable(`${what}: PUT answered ${res.statusCode}`);
    }
    return res;
  }

  /** Network errors are thrown as they are (retryable); these requests are retried by `upload` as a whole. */
  private async send(req: HttpRequest): Promise<Response> {
    return this.http.send(req);
  }

  private async finished(res: Response, what: string): Promise<void> {
    if (res.statusCode !== 201 && res.statusCode !== 204) {
      const d = await errorDetail(res);
      if (res.statusCode === 401 || res.statusCode === 403) throw await this.http.authError(res, what);
      throw new StowageError(`${what}: the registry refused the blob (${res.statusCode}${d.code ? ` ${d.code}` : ''}${d.message ? `: ${d.message}` : ''})`);
    }
    await res.body.dump();
  }

  /** PUTs a manifest or index under a tag or its digest; returns the digest the registry reports. */
  async putManifest(reference: string, bytes: Buffer, mediaType: string): Promise<Digest> {
    const what = `push manifest ${this.name}:${reference}`.replace(/:sha256:/, '@sha256:');
    const res = await this.http.send({
      method: 'PUT', url: `/v2/${this.repo}/manifests/${reference}`,
      headers: { 'content-type': mediaType }, body: () => bytes, scopes: this.push(), what,
    });
    if (res.statusCode !== 201 && res.statusCode !== 200) {
      if (res.statusCode === 401 || res.statusCode === 403) throw await this.http.authError(res, what);
      const d = await errorDetail(res);
      throw new StowageError(`${what}: the registry refused it (${res.statusCode}${d.code ? ` ${d.code}` : ''}${d.message ? `: ${d.message}` : ''})`);
    }
    await res.body.dump();
    return (header(res, 'docker-content-digest') as Digest | undefined) ?? sha256(bytes);
  }

  /**
   * Deletes a manifest by digest (the distribution API deletes by digest only: every tag naming it goes with it).
   * A registry that does not allow deletes answers 405 UNSUPPORTED, said as such.
   */
  async deleteManifest(digest: Digest): Promise<void> {
    const what = `delete ${this.name}@${digest}`;
    const res = await this.http.send({ method: 'DELETE', url: `/v2/${this.repo}/manifests/${digest}`, scopes: [`repository:${this.repo}:pull,delete`], what });
    if (res.statusCode === 202 || res.statusCode === 200 || res.statusCode === 204) {
      await res.body.dump();
      return;
    }
    if (res.statusCode === 405) {
      const d = await errorDetail(res);
      throw new StowageError(`${what}: the registry does not allow deletes (405${d.code ? ` ${d.code}` : ''}; the CNCF registry needs storage.delete.enabled: true)`);
    }
    await this.fail(res, what, 'no such manifest');
  }

  /** The repository's tags (every page); [] when the repository does not exist, unless `missing` is 'error'. */
  async tags(limit = 10_000, missing: 'empty' | 'error' = 'empty'): Promise<string[]> {
    const what = `${this.name}: tags`;
    const out: string[] = [];
    let url = `/v2/${this.repo}/tags/list?n=1000`;
    for (let page = 0; page < 100 && out.length < limit; page++) {
      const res = await this.http.send({ method: 'GET', url, scopes: this.pull(), what });
      if (res.statusCode === 404 && missing === 'empty') {
        await res.body.dump();
        return out;
      }
      if (res.statusCode !== 200) await this.fail(res, what, 'no such repository');
      const link = header(res, 'link');
      const doc = JSON.parse((await readBody(res, JSON_LIMIT, what)).toString('utf8')) as { tags?: string[] | null };
      out.push(...(doc.tags ?? []));
      const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
      if (!next) break;
      url = next;
    }
    return out.slice(0, limit);
  }
}

function retryable(message: string): StowageError {
  return Object.assign(new StowageError(message), { retry: true });
}
