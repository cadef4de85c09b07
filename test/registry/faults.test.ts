/**
 * Faults between stowage and a real registry, injected by a proxy on loopback (test/helpers/fault-proxy.ts): 500s
 * and 429s, uploads and downloads cut mid-body, a corrupted blob, a registry that never recovers. stowage must
 * retry (bounded), resume where the protocol allows, and otherwise fail in one line with nothing half-written.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, oneLineError } from '../helpers/cli.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { scratch } from '../helpers/paths.js';
import { REGISTRY_SKIP, randomArchive, startRegistry, stowageAsync as stowage, type Registry } from '../helpers/registry.js';
import { seeded } from '../helpers/build-layer.js';

const dir = scratch('stowage-reg-faults-');
const MiB = 1 << 20;
const FAST = { STOWAGE_RETRY_DELAY_MS: '10' };

describe('registry faults', { skip: REGISTRY_SKIP }, () => {
  let reg: Registry;
  let archive: string;
  let ids: { imageId: string; diffIds: string[] };
  const proxies: FaultProxy[] = [];
  const proxy = async (plan: Parameters<typeof startFaultProxy>[1]) => {
    const p = await startFaultProxy(reg.addr, plan);
    proxies.push(p);
    return p;
  };
  before(async () => {
    reg = await startRegistry();
    archive = join(dir, 'app.tar');
    ids = await randomArchive(archive, [seeded('f-a', 2 * MiB), seeded('f-b', 3 * MiB)], 'stowage-test/faults:1');
    const r = await stowage(['push', '-q', archive, `${reg.addr}/app:1`]);
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    for (const p of proxies) await p.close();
    reg?.stop();
  });

  it('a push survives 500s, 429s and uploads cut mid-body (this registry drops a broken session: the upload starts again)', async () => {
    const p = await proxy({ errorsFirst: true, cutUploads: 2 });
    const r = await stowage(['push', '--json', archive, `${p.addr}/pushed:1`], { env: FAST });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(p.stats.errors >= 4, `500s and 429s injected: ${JSON.stringify(p.stats)}`);
    assert.equal(p.stats.cutUploads, 2);
    const back = json(await stowage(['inspect', '--json', `docker://${reg.addr}/pushed:1`])).images[0];
    assert.equal(back.imageId, ids.imageId);
    assert.equal((await stowage(['verify', '-q', `docker://${reg.addr}/pushed:1`])).status, 0);
  });

  it('a chunked upload whose answer was lost: asks the registry how far it got, and starts again when it cannot say', async () => {
    // The CNCF registry wants the upload state token of the latest answer, which was lost: it cancels the session
    // (so stowage's resume from the reported offset cannot be shown against it) and the blob is sent again.
    const p = await proxy({ loseChunkAnswers: 2 });
    const r = await stowage(['push', '--json', '--chunk-size', '1M', archive, `${p.addr}/chunks:1`], { env: FAST });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(p.stats.lostAnswers, 2);
    const log = reg.log().split('\n');
    assert.equal(log.filter((l) => /"GET \/v2\/chunks\/blobs\/uploads\/[^"]*" 404 /.test(l)).length, 2, 'asked twice');
    assert.equal(json(await stowage(['inspect', '--json', `docker://${reg.addr}/chunks:1`])).images[0].imageId, ids.imageId);
    assert.equal((await stowage(['verify', '-q', `docker://${reg.addr}/chunks:1`])).status, 0);
  });

  it('a monolithic upload cut mid-body starts again, and the copy keeps the manifest digest', async () => {
    const p = await proxy({ cutUploads: 1 });
    const r = await stowage(['copy', '--json', `docker://${reg.addr}/app:1`, `docker://${p.addr}/mono:1`], { env: FAST });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(p.stats.cutUploads, 1);
    const want = json(await stowage(['inspect', '--json', `docker://${reg.addr}/app:1`])).images[0].manifest.digest;
    assert.equal(json(r).registry.digest, want);
    assert.equal((await stowage(['verify', '-q', `docker://${reg.addr}/mono:1`])).status, 0);
  });

  it('a pull survives downloads cut mid-blob, resuming with Range requests', async () => {
    const p = await proxy({ errorsFirst: true, cutDownloads: 2 });
    const out = join(dir, 'pulled');
    const r = await stowage(['pull', '-q', `${p.addr}/app:1`, `oci:${out}`], { env: FAST });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(p.stats.cutDownloads, 2);
    assert.equal(p.stats.rangeResumes, 2);
    assert.equal((await stowage(['verify', '-q', `oci:${out}`])).status, 0);
    assert.equal(json(await stowage(['inspect', '--json', `oci:${out}`])).images[0].imageId, ids.imageId);
  });

  it('a registry that keeps answering 500: bounded retries, one line, no tag', async () => {
    const p = await proxy({ always: 500 });
    const r = await stowage(['push', archive, `${p.addr}/never:1`], { env: { ...FAST, STOWAGE_RETRIES: '3' } });
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /answered 500.*gave up after 3 attempts/);
    assert.ok(p.stats.requests <= 3 * 8, `bounded: ${p.stats.requests} requests`);
    const t = await stowage(['inspect', `docker://${reg.addr}/never:1`]);
    assert.match(oneLineError(t), /no such (repository|image)/);
  });

  it('a blob whose bytes do not match its digest: one line, nothing written', async () => {
    const p = await proxy({ corruptBlobs: true });
    for (const out of [join(dir, 'bad.tar'), `oci:${join(dir, 'bad-layout')}`]) {
      const r = await stowage(['pull', `${p.addr}/app:1`, out], { env: FAST });
      assert.equal(r.status, 1);
      assert.match(oneLineError(r), /bytes hash to sha256:[0-9a-f]{64}, expected sha256:/);
    }
    assert.ok(!existsSync(join(dir, 'bad.tar')) && !existsSync(join(dir, 'bad-layout')));
    const v = await stowage(['verify', `docker://${p.addr}/app:1`], { env: FAST });
    assert.equal(v.status, 1);
  });
});
