/**
 * Registries that want credentials: htpasswd basic auth and the token flow (a token service made here, trusted by
 * the real registry). Credentials from flags, the environment, a docker config file and a credential helper; wrong
 * or missing ones give one clear line, and never appear in any output.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { skipUnless } from '../helpers/peers.js';
import { REGISTRY_SKIP, randomArchive, runAsync, startRegistry, stowageAsync as stowage, type Registry } from '../helpers/registry.js';
import { seeded } from '../helpers/build-layer.js';
import { startTokenServer, type TokenServer } from '../helpers/token-server.js';

const dir = scratch('stowage-reg-auth-');
const USER = 'stowage';
const PASSWORD = 's3cret-Pa55word';

function noSecrets(r: { stdout: string; stderr: string }): void {
  assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD), 'the password appears in the output');
  assert.ok(!r.stderr.includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')), 'the encoded credentials appear in the output');
}

const SKIP = REGISTRY_SKIP || skipUnless('htpasswd') || skipUnless('openssl');

for (const mode of ['htpasswd', 'token'] as const) {
  describe(`registry with ${mode === 'htpasswd' ? 'htpasswd basic auth' : 'the token flow'}`, { skip: SKIP }, () => {
    let reg: Registry;
    let tokens: TokenServer | undefined;
    let archive: string;
    before(async () => {
      if (mode === 'token') {
        const tdir = join(dir, 'token');
        mkdirSync(tdir, { recursive: true });
        tokens = await startTokenServer(tdir, USER, PASSWORD);
        reg = await startRegistry({ yaml: tokens.yaml });
      } else {
        reg = await startRegistry({ htpasswd: { user: USER, password: PASSWORD } });
      }
      archive = join(dir, `${mode}.tar`);
      await randomArchive(archive, [seeded(`${mode}-a`, 600 << 10), seeded(`${mode}-b`, 100 << 10)], 'stowage-test/auth:1');
    });
    after(async () => {
      reg?.stop();
      await tokens?.close();
    });

    it('without credentials: one line saying so, and no tag appears', async () => {
      const r = await stowage(['push', archive, `${reg.addr}/app:1`]);
      assert.equal(r.status, 1);
      assert.match(oneLineError(r), /wants credentials|authentication required/);
      const i = await stowage(['inspect', `docker://${reg.addr}/app:1`]);
      assert.equal(i.status, 1);
      assert.match(oneLineError(i), /credentials|authentication required/);
    });

    it('wrong credentials: one line saying they were refused, nothing printed of them', async () => {
      const r = await stowage(['push', '--creds', `${USER}:wrong-${PASSWORD}`, archive, `${reg.addr}/app:1`]);
      assert.equal(r.status, 1);
      assert.match(oneLineError(r), /refused/);
      assert.ok(!r.stderr.includes('wrong-'), 'the password appears in the output');
    });

    it('push with --creds; pull with the environment; skopeo reads it with the same credentials', { skip: skipUnless('skopeo') }, async () => {
      const p = await stowage(['push', '--json', '--creds', `${USER}:${PASSWORD}`, archive, `${reg.addr}/app:1`]);
      noSecrets(p);
      const digest = json(p).registry.digest;
      const env = { STOWAGE_REGISTRY_USERNAME: USER, STOWAGE_REGISTRY_PASSWORD: PASSWORD };
      const out = join(dir, `${mode}-pulled`);
      const r = await stowage(['pull', `${reg.addr}/app:1`, `oci:${out}`], { env });
      assert.equal(r.status, 0, r.stderr);
      noSecrets(r);
      assert.equal(json(await stowage(['inspect', '--json', `oci:${out}`])).images[0].manifest.digest, digest);
      const sk = JSON.parse((await runAsync('skopeo', ['inspect', '--tls-verify=false', '--creds', `${USER}:${PASSWORD}`, `docker://${reg.addr}/app:1`])).stdout);
      assert.equal(sk.Digest, digest);
      if (tokens) assert.ok(tokens.stats.issued > 0, 'the token service was used');
    });

    it('reads credentials from a docker config file (auths) and through a credential helper (credHelpers)', async () => {
      const cfgDir = join(dir, `${mode}-docker`);
      mkdirSync(cfgDir, { recursive: true });
      writeFileSync(join(cfgDir, 'config.json'), JSON.stringify({ auths: { [reg.addr]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }));
      const a = await stowage(['verify', '-q', `docker://${reg.addr}/app:1`], { env: { DOCKER_CONFIG: cfgDir } });
      assert.equal(a.status, 0, a.stderr);
      // A credential helper as docker runs it: `docker-credential-NAME get`, the server on standard input.
      const bin = join(dir, `${mode}-bin`);
      mkdirSync(bin, { recursive: true });
      const helper = join(bin, 'docker-credential-stowagetest');
      writeFileSync(helper, `#!/bin/sh\nread server\n[ "$1" = get ] && [ "$server" = "${reg.addr}" ] || { echo "credentials not found in native keychain"; exit 1; }\nprintf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"\n`);
      chmodSync(helper, 0o755);
      const helperDir = join(dir, `${mode}-helper`);
      mkdirSync(helperDir, { recursive: true });
      writeFileSync(join(helperDir, 'config.json'), JSON.stringify({ credHelpers: { [reg.addr]: 'stowagetest' } }));
      const b = await stowage(['push', '-q', archive, `${reg.addr}/app:helper`], { env: { DOCKER_CONFIG: helperDir, PATH: `${bin}:${process.env.PATH}` } });
      assert.equal(b.status, 0, b.stderr);
      noSecrets(b);
      // credsStore: the same helper for every registry.
      writeFileSync(join(helperDir, 'config.json'), JSON.stringify({ credsStore: 'stowagetest' }));
      const c = await stowage(['inspect', '--json', `docker://${reg.addr}/app:helper`], { env: { DOCKER_CONFIG: helperDir, PATH: `${bin}:${process.env.PATH}` } });
      assert.equal(c.status, 0, c.stderr);
    });
  });
}
