/**
 * A fault-injecting HTTP proxy on loopback in front of a real registry (not a mock: every request that is not
 * faulted reaches the registry as sent, Host header included, so upload Locations point back through the proxy).
 * It answers 500 and then 429 to the first requests of each kind, cuts blob downloads and uploads mid-body, corrupts
 * a blob, or answers one status forever, as a plan says; it counts what it did so tests can check the faults
 * happened.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FaultPlan {
  /** The first request of each kind (method + manifests/blobs/uploads/tags) gets a 500, the second a 429. */
  errorsFirst?: boolean;
  /** The first N blob downloads larger than `cutAt` bytes are cut after `cutAt` bytes. */
  cutDownloads?: number;
  /** The first N upload bodies (PATCH, or PUT with a body) larger than `cutAt` are cut after `cutAt` bytes. */
  cutUploads?: number;
  cutAt?: number;
  /** Whole blob downloads larger than `cutAt` have one byte flipped (the registry sent other bytes than it names). */
  corruptBlobs?: boolean;
  /** The first N PATCH requests reach the registry whole, but its answer is lost (the connection drops). */
  loseChunkAnswers?: number;
  /** Every request but the ping (GET /v2/) is answered with this status. */
  always?: number;
}

export interface FaultProxy {
  addr: string;
  stats: { requests: number; errors: number; cutDownloads: number; cutUploads: number; corrupted: number; rangeResumes: number; lostAnswers: number };
  close(): Promise<void>;
}

function kind(req: IncomingMessage): string {
  const path = (req.url ?? '').split('?')[0]!;
  const what = /\/blobs\/uploads\//.test(path) ? 'uploads' : /\/blobs\//.test(path) ? 'blobs' : /\/manifests\//.test(path) ? 'manifests' : /\/tags\//.test(path) ? 'tags' : 'root';
  return `${req.method} ${what}`;
}

export function startFaultProxy(target: string, plan: FaultPlan): Promise<FaultProxy> {
  const seen = new Map<string, number>();
  const stats = { requests: 0, errors: 0, cutDownloads: 0, cutUploads: 0, corrupted: 0, rangeResumes: 0, lostAnswers: 0 };
  const cutAt = plan.cutAt ?? 256 << 10;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const k = kind(req);
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    const refuse = (status: number, headers: Record<string, string> = {}) => {
      stats.errors++;
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `injected ${status}` }] }));
    };
    if (plan.always && k !== 'GET root') return refuse(plan.always);
    if (k === 'GET blobs' && /^bytes=[1-9]\d*-$/.test(String(req.headers.range ?? ''))) stats.rangeResumes++;
    if (plan.errorsFirst && k !== 'GET root' && n === 1) return refuse(500);
    if (plan.errorsFirst && k !== 'GET root' && n === 2) return refuse(429, { 'retry-after': '0' });
    const upstream = request({ host: target.split(':')[0], port: Number(target.split(':')[1]), method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (req.method === 'PATCH' && (plan.loseChunkAnswers ?? 0) > stats.lostAnswers) {
        stats.lostAnswers++;
        up.resume();
        res.socket?.destroy();
        return;
      }
      const isBlobGet = req.method === 'GET' && k === 'GET blobs' && (up.statusCode === 200 || up.statusCode === 206);
      const size = Number(up.headers['content-length'] ?? 0);
      const cut = isBlobGet && (plan.cutDownloads ?? 0) > stats.cutDownloads && size > cutAt;
      if (cut) stats.cutDownloads++;
      res.writeHead(up.statusCode ?? 502, up.headers);
      let sent = 0;
      let flipped = false;
      up.on('data', (c: Buffer) => {
        if (isBlobGet && plan.corruptBlobs && !req.headers.range && size > cutAt && !flipped && c.length) {
          c = Buffer.from(c);
          c[0] = c[0]! ^ 0xff;
          flipped = true;
          stats.corrupted++;
        }
        if (cut && sent + c.length > cutAt) {
          res.write(c.subarray(0, cutAt - sent));
          up.destroy();
          res.socket?.destroy();
          return;
        }
        sent += c.length;
        res.write(c);
      });
      up.on('end', () => res.end());
      up.on('error', () => res.socket?.destroy());
    });
    upstream.on('error', () => res.socket?.destroy());
    const hasBody = req.method === 'PATCH' || (req.method === 'PUT' && k === 'PUT uploads' && req.headers['content-length'] !== '0');
    const length = req.headers['content-length'] === undefined ? Infinity : Number(req.headers['content-length']);
    const cutUp = hasBody && length > cutAt && (plan.cutUploads ?? 0) > stats.cutUploads;
    if (cutUp) stats.cutUploads++;
    let got = 0;
    let cutting = false;
    req.on('data', (c: Buffer) => {
      if (cutting) return;
      if (cutUp && got + c.length > cutAt) {
        cutting = true;
        upstream.write(c.subarray(0, cutAt - got));
        upstream.destroy();
        req.socket.destroy();
        return;
      }
      got += c.length;
      if (!upstream.write(c)) { req.pause(); upstream.once('drain', () => req.resume()); }
    });
    req.on('end', () => upstream.end());
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const addr = `127.0.0.1:${(server.address() as { port: number }).port}`;
      resolve({
        addr,
        stats,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
