/**
 * A token service for the registry's `auth: token` mode (the flow Docker Hub and most registries use): checks Basic
 * credentials and issues RS256 JWTs granting the scopes asked for, signed with a key whose certificate the
 * registry trusts (`rootcertbundle`); the certificate rides in the JWT's x5c header.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createSign, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

export interface TokenServer {
  realm: string;
  yaml: string;
  /** Token requests answered, and refused. */
  stats: { issued: number; refused: number };
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function startTokenServer(dir: string, user: string, password: string): Promise<TokenServer> {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'token.key', '-out', 'token.crt', '-days', '2', '-subj', '/CN=stowage token issuer'], { cwd: dir, stdio: 'pipe' });
  const key = createPrivateKey(readFileSync(join(dir, 'token.key')));
  const der = execFileSync('openssl', ['x509', '-in', 'token.crt', '-outform', 'DER'], { cwd: dir });
  const stats = { issued: 0, refused: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString() : undefined;
    if (given !== undefined && given !== `${user}:${password}`) {
      stats.refused++;
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"details":"wrong credentials"}');
    }
    // Anonymous callers get a token with no access, as real token services do; the registry then says 401.
    const access = given === undefined ? [] : url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).map((s) => {
      const [type, name, actions] = s.split(':');
      return { type, name, actions: (actions ?? '').split(',').filter(Boolean) };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] };
    const claims = { iss: 'stowage-test-issuer', sub: given ? user : '', aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(body).sign(key);
    stats.issued++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${body}.${b64url(sig)}`, expires_in: 300 }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const realm = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
      resolve({
        realm,
        stats,
        yaml: `auth:\n  token:\n    realm: ${realm}\n    service: stowage-test\n    issuer: stowage-test-issuer\n    rootcertbundle: ${join(dir, 'token.crt')}\n`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}
