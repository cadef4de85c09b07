/**
 * A registry behind TLS with a self-signed CA (made here with openssl): refused until the CA is trusted
 * (--ca-cert, --cert-dir) or verification is turned off (--insecure); skopeo reads what stowage pushed and the
 * other way round, over the same TLS.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { run, skipUnless } from '../helpers/peers.js';
import { REGISTRY_SKIP, makeTls, randomArchive, startRegistry, type Registry, type Tls } from '../helpers/registry.js';
import { seeded } from '../helpers/build-layer.js';

const dir = scratch('stowage-reg-tls-');

describe('registry behind TLS with a self-signed CA', { skip: REGISTRY_SKIP || skipUnless('openssl') }, () => {
  let reg: Registry;
  let tls: Tls;
  let archive: string;
  let certDir: string;
  before(async () => {
    tls = makeTls(join(dir, 'pki'));
    certDir = join(dir, 'certs.d');
    mkdirSync(certDir);
    copyFileSync(tls.ca, join(certDir, 'ca.crt'));
    reg = await startRegistry({ tls });
    archive = join(dir, 'app.tar');
    await randomArchive(archive, [seeded('tls-a', 700 << 10), seeded('tls-b', 50 << 10)], 'stowage-test/tls:1');
  });
  after(() => reg?.stop());

  it('refuses a certificate it cannot verify, in one line, and falls back to nothing', () => {
    const r = stowage(['push', archive, `${reg.addr}/app:1`]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /TLS certificate not trusted.*--ca-cert/);
  });

  it('pushes with --ca-cert; skopeo reads it with the same CA', { skip: skipUnless('skopeo') }, () => {
    const r = json(stowage(['push', '--json', '--ca-cert', tls.ca, archive, `${reg.addr}/app:1`]));
    assert.equal(r.registry.uploaded, 2);
    const sk = JSON.parse(run('skopeo', ['inspect', '--cert-dir', certDir, `docker://${reg.addr}/app:1`]));
    assert.equal(sk.Digest, r.registry.digest);
  });

  it('pulls what skopeo pushed, with --cert-dir; and with --insecure', { skip: skipUnless('skopeo') }, () => {
    run('skopeo', ['copy', '-q', '--dest-cert-dir', certDir, `docker-archive:${archive}`, `docker://${reg.addr}/sk:1`]);
    const digest = JSON.parse(run('skopeo', ['inspect', '--cert-dir', certDir, `docker://${reg.addr}/sk:1`])).Digest;
    const out = join(dir, 'pulled');
    assert.equal(stowage(['pull', '-q', '--cert-dir', certDir, `${reg.addr}/sk:1`, `oci:${out}`]).status, 0);
    assert.equal(json(stowage(['inspect', '--json', `oci:${out}`])).images[0].manifest.digest, digest);
    // Commands without registry flags (inspect, verify) trust what Node trusts: NODE_EXTRA_CA_CERTS works.
    assert.equal(stowage(['verify', '-q', `docker://${reg.addr}/sk:1`], { env: { NODE_EXTRA_CA_CERTS: tls.ca } }).status, 0);
    const insecure = stowage(['pull', '-q', '--insecure', `${reg.addr}/sk:1`, `oci:${join(dir, 'pulled-insecure')}`]);
    assert.equal(insecure.status, 0, insecure.stderr);
  });
});
