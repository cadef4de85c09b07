/**
 * stowage diff on real pairs: sharing a base, differing only in config, the same image through a real registry,
 * and --files against what `docker diff` reports for the same RUN step.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { BASE, buildTestImages } from '../helpers/images.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, haveDocker, run, skipUnless } from '../helpers/peers.js';
import { REGISTRY_SKIP, startRegistry, type Registry } from '../helpers/registry.js';

const dir = scratch('stowage-diff-');
const APP1 = join(EXAMPLES, 'app-1.tar');
const APP2 = join(EXAMPLES, 'app-2.tar');

/** diff exits 0 when the images are the same, 1 when they differ (as diff(1)); either way it prints the report. */
function diffJson(r: { status: number; stdout: string; stderr: string }): any {
  assert.ok(r.status === 0 || r.status === 1, `diff failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('diff', () => {
  it('two images sharing a base: shared layers by ChainID, and why the identities differ', () => {
    const r = diffJson(stowage(['diff', '--json', APP1, APP2]));
    assert.equal(r.sharedByChainId, 2);
    assert.equal(r.sameImageId, false);
    assert.deepEqual(r.layers.map((l: any) => l.sameChainId), [true, true, false]);
    assert.match(r.verdict.join('\n'), /the first 2 layers are shared .* B adds 1 layer\(s\) on top of A/);
    assert.ok(r.config.some((c: any) => c.path === 'config.Labels["org.example.version"]' && c.a === null && c.b === '2'));
    const f = diffJson(stowage(['diff', '--json', '--files', APP1, APP2])).files;
    // COPY wrote /etc/app.conf anew (new content) and so touched /etc.
    assert.deepEqual(f.changed.map((c: any) => [c.path, c.what]), [['/etc', ['mtime']], ['/etc/app.conf', ['content']]]);
    assert.equal(f.totals.added + f.totals.removed, 0);
  });

  it('the same layers with a different config (an edit): every layer shared, image IDs differ', () => {
    const edited = join(dir, 'edited.tar');
    assert.equal(stowage(['edit', APP2, '--label', 'team=infra', '-o', edited, '-q']).status, 0);
    const r = diffJson(stowage(['diff', '--json', APP2, edited]));
    assert.equal(r.sharedByChainId, 3);
    assert.equal(r.sameImageId, false);
    assert.match(r.verdict[0], /the same layers with a different config/);
    assert.ok(r.config.some((c: any) => c.path === 'config.Labels["team"]' && c.b === 'infra'));
    const text = stowage(['diff', APP2, edited]).stdout;
    assert.match(text, /config\.Labels\["team"\]: \(absent\) -> "infra"/);
  });

  it('identical images: the same everything', () => {
    const r = diffJson(stowage(['diff', '--json', APP2, `docker-archive:${APP2}`]));
    assert.equal(r.sameImageId, true);
    assert.equal(r.sameManifest, true);
    assert.equal(r.verdict[0], 'Verdict: the same image.');
  });
});

describe('diff through a real registry', { skip: REGISTRY_SKIP || skipUnless('skopeo') }, () => {
  let reg: Registry;
  before(async () => { reg = await startRegistry(); });
  after(() => reg?.stop());

  it('same config and layers, so the same image ID; the manifest digest differs because the layers were compressed', () => {
    run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `docker-archive:${APP2}`, `docker://${reg.addr}/diff/app:2`]);
    const r = diffJson(stowage(['diff', '--json', APP2, `docker://${reg.addr}/diff/app:2`]));
    assert.equal(r.sameImageId, true);
    assert.equal(r.sharedByChainId, 3);
    assert.equal(r.sameManifest, false);
    assert.ok(r.layers.every((l: any) => l.sameDiffId && l.sameBlob === false));
    assert.match(r.verdict[0], /the same image \(same config and layers, so the same image ID\), but a different manifest digest/);
    assert.match(r.verdict.join('\n'), /3 layer\(s\) with the same DiffID were compressed differently/);
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.addr}/diff/app:2`]));
    assert.deepEqual(r.layers.map((l: any) => l.b.blob), raw.layers.map((l: any) => l.digest));
  });

  it('pulled back by docker and saved again: the same image as the original', { skip: !haveDocker() && DOCKER_SKIP }, () => {
    const ref = `${reg.addr}/diff/app:2`;
    docker(['pull', '-q', ref]);
    const back = join(dir, 'pulled-back.tar');
    docker(['save', '-o', back, ref]);
    docker(['rmi', ref]);
    const r = diffJson(stowage(['diff', '--json', APP2, back]));
    assert.equal(r.sameImageId, true);
    assert.equal(r.sharedByChainId, 3);
    assert.equal(r.verdict[0], 'Verdict: the same image.');
  });
});

describe('diff --files against docker diff', { skip: !haveDocker() && DOCKER_SKIP }, () => {
  const tok = randomBytes(4).toString('hex');
  const PARENT = `stowage-diff/parent:${tok}`;
  const CHILD = `stowage-diff/child:${tok}`;
  // The sleep puts the step's times in another second than the parent's (tar keeps whole seconds).
  const STEP = 'sleep 1.1 && echo new > /data/new.txt && rm /data/gone.txt && echo changed >> /data/keep.txt && chmod 700 /data/mode.sh && mkdir -p /data/sub && echo s > /data/sub/s.txt && ln -s new.txt /data/link';
  before(() => {
    buildTestImages();
    const ctx = join(dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile.p'), `FROM ${BASE}\nRUN mkdir /data && echo a > /data/gone.txt && echo k > /data/keep.txt && echo m > /data/mode.sh\n`);
    docker(['build', '-q', '-t', PARENT, '-f', join(ctx, 'Dockerfile.p'), ctx]);
    writeFileSync(join(ctx, 'Dockerfile.c'), `FROM ${PARENT}\nRUN ${STEP}\n`);
    docker(['build', '-q', '-t', CHILD, '-f', join(ctx, 'Dockerfile.c'), ctx]);
  });
  after(() => { for (const t of [CHILD, PARENT]) { try { docker(['rmi', '-f', t]); } catch { /* gone */ } } });

  it('the files a RUN step added, removed and changed are those docker diff reports for the same step', () => {
    const cid = docker(['run', '-d', PARENT, 'sh', '-c', STEP]).trim();
    docker(['wait', cid]);
    const reported = docker(['diff', cid]).trim().split('\n');
    docker(['rm', cid]);
    const r = diffJson(stowage(['diff', '--json', '--files', `docker-daemon:${PARENT}`, `docker-daemon:${CHILD}`], { env: { ...process.env, DOCKER_HOST: process.env.STOWAGE_DOCKER_HOST ?? `unix://${process.env.STOWAGE_PEERS ?? '/tmp/stowage-peers'}/docker/docker.sock` } }));
    const f = r.files;
    const theirs = [...reported].sort();
    const ours = [
      ...f.added.map((x: any) => `A ${x.path}`),
      ...f.removed.map((x: any) => `D ${x.path}`),
      ...f.changed.map((x: any) => `C ${x.path}`),
    ].sort();
    assert.deepEqual(ours, theirs);
    assert.ok(ours.includes('A /data/new.txt') && ours.includes('D /data/gone.txt') && ours.includes('C /data/keep.txt') && ours.includes('C /data/mode.sh'));
    const mode = f.changed.find((x: any) => x.path === '/data/mode.sh');
    assert.ok(mode.what.includes('mode') && !mode.what.includes('content'), mode.what.join());
  });
});
