/**
 * A small client for the Docker Engine API over its unix socket (or tcp://), honouring DOCKER_HOST. stowage
 * never shells out to the docker CLI: it lists, inspects, exports (GET /images/get) and loads
 * (POST /images/load) images over HTTP.
 */
import { request, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Readable } from 'node:stream';
import { StowageError } from '../../errors.js';

export interface EngineImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  ParentId?: string;
}

export interface EngineImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: string;
  Size: number;
  Os?: string;
  Architecture?: string;
  Variant?: string;
  RootFS: { Type: string; Layers?: string[] };
  Metadata?: { LastTagTime?: string };
  Config?: Record<string, unknown>;
  /** The containerd image store only: the image's manifest or index descriptor (its digest is the image ID there). */
  Descriptor?: { mediaType: string; digest: string; size: number };
  /** With ?manifests=1 on the containerd image store: one entry per platform manifest of an index. */
  Manifests?: { ID: string; Descriptor: { mediaType: string; digest: string; size: number }; Available: boolean; Kind: string; ImageData?: { Platform?: { os?: string; architecture?: string; variant?: string } } }[];
}

/**
 * Which image store the engine runs: 'classic' (layers by ChainID in the graph driver's layerdb: dockerd 20.10, and
 * Docker 25+ by default until 29) or 'containerd' (containerd's content store, blobs by digest: the option of Docker
 * 24+, the default of new Docker 29 installs). They load thin archives by different rules (see ops/check.ts).
 */
export type ImageStore = 'classic' | 'containerd';

export interface EngineEndpoint {
  /** How DOCKER_HOST named it, for messages. */
  url: string;
  socketPath?: string;
  host?: string;
  port?: number;
}

export function engineEndpoint(dockerHost = process.env.DOCKER_HOST): EngineEndpoint {
  const url = dockerHost && dockerHost !== '' ? dockerHost : 'unix:///var/run/docker.sock';
  if (url.startsWith('unix://')) return { url, socketPath: url.slice('unix://'.length) };
  const m = /^(?:tcp|http):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(url);
  if (m) return { url, host: m[1]!, port: Number(m[2] ?? 2375) };
  throw new StowageError(`DOCKER_HOST=${url}: only unix:// sockets and plain tcp:// are supported`);
}

export class EngineClient {
  constructor(readonly endpoint: EngineEndpoint = engineEndpoint()) {}

  private options(method: string, path: string, headers: Record<string, string> = {}): RequestOptions {
    const base: RequestOptions = { method, path, headers: { Host: 'docker', ...headers } };
    if (this.endpoint.socketPath) base.socketPath = this.endpoint.socketPath;
    else {
      base.host = this.endpoint.host!;
      base.port = this.endpoint.port!;
    }
    return base;
  }

  private unreachable(e: NodeJS.ErrnoException): StowageError {
    const why = e.code === 'ENOENT' ? 'no socket there' : e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'EACCES' ? 'permission denied' : e.message;
    return new StowageError(`cannot reach the Docker engine at ${this.endpoint.url} (${why}): is dockerd running? DOCKER_HOST chooses the engine`);
  }

  /** Sends a request; resolves with the response once its headers arrive. Rejects with a clear message on errors. */
  send(method: string, path: string, body?: Readable, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(this.options(method, path, headers), async (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          const chunks: Buffer[] = [];
          for await (const c of res) chunks.push(c as Buffer);
          const text = Buffer.concat(chunks).toString('utf8');
          let msg = text.trim();
          try {
            msg = (JSON.parse(text) as { message?: string }).message ?? msg;
          } catch { /* not JSON */ }
          reject(new StowageError(`Docker engine: ${msg || `HTTP ${res.statusCode}`}`));
          return;
        }
        resolve(res);
      });
      req.on('error', (e: NodeJS.ErrnoException) => reject(e.code ? this.unreachable(e) : e));
      if (body) {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      } else req.end();
    });
  }

  async json<T>(path: string): Promise<T> {
    const res = await this.send('GET', path);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  }

  ping(): Promise<unknown> {
    return this.send('GET', '/_ping').then((r) => r.resume());
  }

  /** Every image, intermediate build images included (all=true); or only what `docker images` shows. */
  listImages(all = true): Promise<EngineImageSummary[]> {
    return this.json(all ? '/images/json?all=1' : '/images/json');
  }

  inspectImage(name: string): Promise<EngineImageInspect> {
    return this.json<EngineImageInspect>(`/images/${encodeURIComponent(name)}/json`).catch((e: unknown) => {
      if (e instanceof StowageError && /No such image/i.test(e.message)) throw new StowageError(`Docker engine at ${this.endpoint.url}: no image ${name}`, { code: 'not-found' });
      throw e;
    });
  }

  info(): Promise<{ DockerRootDir?: string; Driver?: string; DriverStatus?: [string, string][]; ServerVersion?: string }> {
    return this.json('/info');
  }

  private storeSeen?: Promise<ImageStore>;
  /** The image store, from /info: the containerd store reports driver-type io.containerd.snapshotter.v1. */
  store(): Promise<ImageStore> {
    this.storeSeen ??= this.info().then((i) => storeOf(i.DriverStatus));
    return this.storeSeen;
  }

  /** `docker save` over the API: a tar stream of the named images. */
  async exportImages(names: string[]): Promise<IncomingMessage> {
    const q = names.map((n) => `names=${encodeURIComponent(n)}`).join('&');
    return this.send('GET', `/images/get?${q}`).catch((e: unknown) => {
      if (e instanceof StowageError && /reference does not exist|No such image/i.test(e.message)) {
        throw new StowageError(`Docker engine at ${this.endpoint.url}: no image ${names.join(', ')}`, { code: 'not-found' });
      }
      throw e;
    });
  }

  /** `docker load` over the API. Resolves with the "Loaded image" lines; rejects with the engine's error. */
  async loadImages(tar: Readable): Promise<string[]> {
    const res = await this.send('POST', '/images/load?quiet=1', tar, { 'Content-Type': 'application/x-tar' });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const loaded: string[] = [];
    for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      let m: { stream?: string; error?: string; errorDetail?: { message?: string } };
      try {
        m = JSON.parse(line);
      } catch {
        continue;
      }
      if (m.error || m.errorDetail) throw new StowageError(`docker load: ${m.errorDetail?.message ?? m.error}`);
      const s = m.stream?.trim();
      if (s) loaded.push(s);
    }
    return loaded;
  }
}

export function storeOf(driverStatus: [string, string][] | null | undefined): ImageStore {
  return (driverStatus ?? []).some(([k, v]) => k === 'driver-type' && /containerd\.snapshotter/.test(v)) ? 'containerd' : 'classic';
}
