/**
 * One registry host over HTTP(S) with undici: picks the scheme (HTTPS; plain HTTP only for a loopback registry,
 * --plain-http, or --tls-verify=false), authenticates (Basic, or the Bearer token flow with tokens cached per
 * scope), and retries with backoff. Credentials travel in headers only and never appear in a message.
 */
import { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';

// undici takes ~70 ms to load: only commands that reach a registry pay for it.
let undici: Promise<typeof import('undici')> | undefined;
const lib = () => (undici ??= import('undici'));
async function request(url: string | URL, opts: Parameters<typeof import('undici').request>[1]): Promise<Dispatcher.ResponseData> {
  return (await lib()).request(url, opts) as Promise<Dispatcher.ResponseData>;
}
import { StowageError } from '../../errors.js';
import { parseChallenges, type Challenge } from './challenge.js';
import { resolveCredentials } from './credentials.js';
import type { Credentials, RegistryOptions } from './options.js';
import { backoff, describeNetError, isRetryableError, isTlsTrustError, maxAttempts, RETRY_STATUS, sleep } from './retry.js';
import { tlsSettings } from './tls.js';

export type Body = Buffer | string | AsyncIterable<Buffer>;

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A path on the registry (`/v2/...`) or an absolute URL (upload locations). */
  url: string;
  headers?: Record<string, string>;
  /** A fresh body for each attempt (a stream cannot be sent twice). */
  body?: () => Body;
  /** Scopes the request needs: `repository:NAME:pull` or `repository:NAME:pull,push`. */
  scopes: string[];
  /** Names the operation in messages: "HEAD blob sha256:...". */
  what: string;
  /** Statuses not to retry even if they usually are (none by default). */
  noRetry?: boolean;
}

export type Response = Dispatcher.ResponseData;

const USER_AGENT = 'stowage/0.1';

export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || /^127\./.test(h) || h === '::1';
}

/** The first value of a header. */
export function header(res: Response, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a small body whole (error documents, JSON), refusing more than `limit` bytes. */
export async function readBody(res: Response, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      res.body.destroy();
      throw new StowageError(`${what}: the registry's answer is over ${limit} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** The registry's own words for an error response (`{"errors":[{"code","message"}]}`), one line. */
export async function errorDetail(res: Response): Promise<{ code: string; message: string }> {
  let text = '';
  try {
    text = (await readBody(res, 64 << 10, 'error')).toString('utf8');
  } catch { /* nothing readable */ }
  try {
    const e = (JSON.parse(text) as { errors?: { code?: string; message?: string }[] }).errors?.[0];
    if (e) return { code: e.code ?? '', message: (e.message ?? '').replace(/\s+/g, ' ').slice(0, 200) };
  } catch { /* not JSON */ }
  return { code: '', message: text.replace(/\s+/g, ' ').trim().slice(0, 200) };
}

export class RegistryHttp {
  private base?: Promise<string>;
  private challenge?: Challenge;
  private creds?: Promise<Credentials | undefined>;
  /** Tokens per scope set; a promise, so requests made together share one token request. */
  private readonly tokens = new Map<string, Promise<{ value: string; expires: number }>>();
  private agentP?: Promise<Agent>;
  private readonly tls: ReturnType<typeof tlsSettings>;
  readonly attempts: number;

  constructor(readonly host: string, private readonly opts: RegistryOptions = {}) {
    this.tls = tlsSettings(host, opts);
    this.attempts = maxAttempts(opts.retries);
  }

  /** The connection pool for this host, with its TLS settings (made on first use). */
  agent(): Promise<Agent> {
    this.agentP ??= lib().then(({ Agent }) => new Agent({ connect: { ...this.tls }, connections: 16, keepAliveTimeout: 10_000 }));
    return this.agentP;
  }

  /** Whether the user allowed plain HTTP for this host. */
  private plainAllowed(): boolean {
    return this.opts.plainHttp === true || this.opts.tlsVerify === false || isLoopback(this.host);
  }

  private credentials(): Promise<Credentials | undefined> {
    this.creds ??= resolveCredentials(this.host, this.opts);
    return this.creds;
  }

  /** The registry's base URL, found by pinging `/v2/` (which also tells how it wants to be authenticated). */
  baseUrl(): Promise<string> {
    this.base ??= this.ping();
    return this.base;
  }

  private async pingOnce(scheme: 'https' | 'http'): Promise<Response> {
    return this.withRetries('ping', async () =>
      request(`${scheme}://${this.host}/v2/`, { method: 'GET', dispatcher: await this.agent(), headers: { 'user-agent': USER_AGENT } }),
    );
  }

  private async ping(): Promise<string> {
    const schemes: ('https' | 'http')[] = this.opts.plainHttp ? ['http'] : ['https', 'http'];
    let lastError: unknown;
    for (const scheme of schemes) {
      if (scheme === 'http' && !this.plainAllowed()) break;
      let res: Response;
      try {
        res = scheme === 'https' && schemes.length > 1 && this.plainAllowed()
          ? await request(`https://${this.host}/v2/`, { method: 'GET', dispatcher: await this.agent(), headers: { 'user-agent': USER_AGENT } })
          : await this.pingOnce(scheme);
      } catch (e) {
        if (e instanceof StowageError) throw e;
        if (isTlsTrustError(e)) {
          throw new StowageError(`${this.host}: TLS certificate not trusted (${(e as NodeJS.ErrnoException).code}); trust its CA with --ca-cert FILE or --cert-dir DIR (NODE_EXTRA_CA_CERTS for every command), or give --insecure`);
        }
        lastError = e;
        continue;
      }
      const base = `${scheme}://${this.host}`;
      if (res.statusCode === 200) {
        await res.body.dump();
        return base;
      }
      if (res.statusCode === 401) {
        await res.body.dump();
        this.challenge = parseChallenges(res.headers['www-authenticate']).find((c) => c.scheme === 'bearer' || c.scheme === 'basic');
        return base;
      }
      const d = await errorDetail(res);
      throw new StowageError(`${this.host}: not a registry (GET /v2/ answered ${res.statusCode}${d.message ? `: ${d.message}` : ''})`);
    }
    const why = lastError ? describeNetError(lastError) : 'no answer';
    const hint = this.plainAllowed() ? '' : ' (plain HTTP is used only for loopback registries or with --plain-http)';
    throw new StowageError(`${this.host}: cannot reach the registry: ${why}${hint}`);
  }

  /** Runs `fn` until it answers something other than a retryable status or network error, at most `attempts` times. */
  async withRetries(what: string, fn: () => Promise<Response>, noRetry = false): Promise<Response> {
    const max = noRetry ? 1 : this.attempts;
    for (let n = 1; ; n++) {
      let res: Response;
      try {
        res = await fn();
      } catch (e) {
        if (e instanceof StowageError) throw e;
        if (isTlsTrustError(e)) throw new StowageError(`${this.host}: TLS certificate not trusted (${(e as NodeJS.ErrnoException).code})`);
        if (n < max && isRetryableError(e)) {
          await sleep(backoff(n));
          continue;
        }
        // Marked retryable so a caller that restarts a whole operation (an upload) knows it may.
        throw Object.assign(new StowageError(`${what}: ${describeNetError(e)}${n > 1 ? ` (gave up after ${n} attempts)` : ''}`), { retry: isRetryableError(e) });
      }
      if (RETRY_STATUS.has(res.statusCode) && n < max) {
        await res.body.dump().catch(() => undefined);
        await sleep(backoff(n, res.headers['retry-after']));
        continue;
      }
      if (RETRY_STATUS.has(res.statusCode) && n > 1) {
        const d = await errorDetail(res);
        throw new StowageError(`${what}: the registry answered ${res.statusCode}${d.message ? ` (${d.message})` : ''}, gave up after ${n} attempts`);
      }
      return res;
    }
  }

  /** The Authorization header for these scopes, fetching a token when the registry wants one. */
  private async authorization(scopes: string[], fresh = false): Promise<string | undefined> {
    await this.baseUrl();
    const ch = this.challenge;
    if (!ch) return undefined;
    const creds = await this.credentials();
    if (ch.scheme === 'basic') {
      if (!creds) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    const key = [...scopes].sort().join(' ');
    const cached = this.tokens.get(key);
    if (cached && !fresh) {
      const t = await cached.catch(() => undefined);
      if (t && t.expires > Date.now()) return `Bearer ${t.value}`;
      if (this.tokens.get(key) !== cached) return this.authorization(scopes); // another request refreshed it
    }
    const pending = this.fetchToken(ch, scopes, creds);
    this.tokens.set(key, pending);
    pending.catch(() => { if (this.tokens.get(key) === pending) this.tokens.delete(key); });
    return `Bearer ${(await pending).value}`;
  }

  /** The token flow: GET realm?service=&scope= with Basic credentials, or POST with an identity (refresh) token. */
  private async fetchToken(ch: Challenge, scopes: string[], creds: Credentials | undefined): Promise<{ value: string; expires: number }> {
    const realm = ch.params.realm;
    if (!realm || !/^https?:\/\//.test(realm)) throw new StowageError(`${this.host}: the registry's Bearer challenge names no usable token realm`);
    const what = `${this.host}: token from ${new URL(realm).host}`;
    const url = new URL(realm);
    let res: Response;
    if (creds?.username === '<token>') {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.password, client_id: 'stowage' });
      if (ch.params.service) form.set('service', ch.params.service);
      form.set('scope', scopes.join(' '));
      res = await this.withRetries(what, async () => request(url, {
        method: 'POST', dispatcher: await this.agent(), body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': USER_AGENT },
      }));
    } else {
      if (ch.params.service) url.searchParams.set('service', ch.params.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = { 'user-agent': USER_AGENT };
      if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      res = await this.withRetries(what, async () => request(url, { method: 'GET', dispatcher: await this.agent(), headers }));
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      await res.body.dump();
      throw new StowageError(`${this.host}: ${creds ? 'the credentials were refused' : 'authentication required'} (token service answered ${res.statusCode})${creds ? '' : '; give --creds, set STOWAGE_REGISTRY_USERNAME/STOWAGE_REGISTRY_PASSWORD, or docker login'}`);
    }
    if (res.statusCode !== 200) {
      const d = await errorDetail(res);
      throw new StowageError(`${what}: answered ${res.statusCode}${d.message ? ` (${d.message})` : ''}`);
    }
    const doc = JSON.parse((await readBody(res, 1 << 20, what)).toString('utf8')) as { token?: string; access_token?: string; expires_in?: number };
    const value = doc.token ?? doc.access_token;
    if (!value) throw new StowageError(`${what}: the answer holds no token`);
    const life = Math.max(30, doc.expires_in ?? 60);
    return { value, expires: Date.now() + (life - 15) * 1000 };
  }

  /**
   * Sends a request with authentication and retries. A 401 gets one more try with a fresh token (the registry may
   * want a wider scope); the caller judges every other status.
   */
  async send(req: HttpRequest): Promise<Response> {
    const base = await this.baseUrl();
    const url = /^https?:\/\//.test(req.url) ? req.url : `${base}${req.url}`;
    let fresh = false;
    for (;;) {
      const auth = await this.authorization(req.scopes, fresh);
      const res = await this.withRetries(req.what, async () => {
        const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...req.headers };
        if (auth && sameOrigin(url, base)) headers.authorization = auth;
        return request(url, { method: req.method, headers, dispatcher: await this.agent(), ...(req.body ? { body: toBody(req.body()) } : {}) });
      }, req.noRetry);
      if (res.statusCode === 401 && !fresh && this.challenge?.scheme === 'bearer') {
        // The registry may ask for a wider scope than we thought (its challenge says which).
        const ch = parseChallenges(res.headers['www-authenticate']).find((c) => c.scheme === 'bearer');
        await res.body.dump();
        if (ch?.params.scope) for (const s of ch.params.scope.split(' ')) if (!req.scopes.includes(s)) req.scopes.push(s);
        fresh = true;
        continue;
      }
      return res;
    }
  }

  /** The message for a 401 or 403 answer. */
  async authError(res: Response, what: string): Promise<StowageError> {
    const d = await errorDetail(res);
    const creds = await this.credentials();
    if (res.statusCode === 401) {
      return new StowageError(creds
        ? `${what}: unauthorized: the credentials for ${this.host} were refused${d.message ? ` (${d.message})` : ''}`
        : `${what}: unauthorized: ${this.host} wants credentials; give --creds USER:PASSWORD, set STOWAGE_REGISTRY_USERNAME/STOWAGE_REGISTRY_PASSWORD, or docker login`);
    }
    return new StowageError(`${what}: denied by ${this.host}${d.message ? ` (${d.message})` : ''}`);
  }

  /** Ends every connection: a reader that stopped early (a failed verify) leaves downloads that no one will read. */
  async close(): Promise<void> {
    if (this.agentP) await (await this.agentP).destroy();
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function toBody(b: Body): string | Buffer | Readable {
  return typeof b === 'string' || Buffer.isBuffer(b) ? b : Readable.from(b, { objectMode: false });
}
