/**
 * stowage local against a real dockerd: after docker load, docker tag and docker pull from a real registry, the
 * times stowage reports fall when the test did each, and each is labelled recorded or inferred.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_SKIP, docker, dockerEnv, haveDocker } from '../helpers/peers.js';
import { REGISTRY_SKIP, randomArchive, startRegistry, type Registry } from '../helpers/registry.js';
import { seeded } from '../helpers/build-layer.js';

const dir = scratch('stowage-local-');
const tok = randomBytes(4).toString('hex');
const LOADED = `stowage-local/loaded:${tok}`;
const SIBLING = `stowage-local/sibling:${tok}`;
const TAGGED = `stowage-local/tagged:${tok}`;
const SLACK = 2000; // ms: file times and the engine's clock against this process's

function within(t: string | undefined, from: number, to: number, what: string): void {
  assert.ok(t, `${what}: no time`);
  const ms = Date.parse(t!);
  assert.ok(ms >= from - SLACK && ms <= to + SLACK, `${what}: ${t} is not between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`);
}

const report = () => json(stowage(['local', '--json'], { env: dockerEnv() }));
const find = (r: any, tag: string) => r.images.find((i: any) => i.tags.includes(tag));

describe('local against a real dockerd', { skip: (!haveDocker() && DOCKER_SKIP) || REGISTRY_SKIP }, () => {
  let reg: Registry;
  let pulled: string;
  const times: Record<string, [number, number]> = {};
  const timed = (name: string, f: () => void) => { const a = Date.now(); f(); times[name] = [a, Date.now()]; };
  before(async () => {
    const base = seeded(`local-base-${tok}`, 200_000);
    await randomArchive(join(dir, 'loaded.tar'), [base, seeded(`top-${tok}`, 1000)], LOADED);
    await randomArchive(join(dir, 'sibling.tar'), [base, seeded(`sib-${tok}`, 1000)], SIBLING);
    reg = await startRegistry();
    pulled = `${reg.addr}/stowage-local/pulled:${tok}`;
    timed('load', () => docker(['load', '-q', '-i', join(dir, 'loaded.tar')]));
    docker(['load', '-q', '-i', join(dir, 'sibling.tar')]);
    await new Promise((r) => setTimeout(r, 1500));
    timed('tag', () => docker(['tag', LOADED, TAGGED]));
    // Push a copy under the registry's name, remove it from the engine, pull it back.
    docker(['tag', SIBLING, pulled]);
    docker(['push', pulled]);
    docker(['rmi', pulled, SIBLING]);
    await new Promise((r) => setTimeout(r, 1500));
    timed('pull', () => docker(['pull', '-q', pulled]));
  });
  after(() => {
    for (const t of [pulled, TAGGED, LOADED, SIBLING]) { try { docker(['rmi', '-f', t]); } catch { /* gone */ } }
    reg?.stop();
  });

  it('a loaded image: stored when the test loaded it (inferred), created from its config (recorded in the image)', () => {
    const img = find(report(), LOADED);
    assert.ok(img, 'listed');
    within(img.stored.time, ...times.load!, 'stored');
    assert.equal(img.stored.kind, 'inferred');
    assert.equal(img.created.time, '2026-01-01T00:00:00Z');
    assert.equal(img.created.kind, 'image');
    assert.equal(img.arrival.how, 'loaded-or-imported');
  });

  it('docker tag: the last tag time the engine records', () => {
    const img = find(report(), TAGGED);
    assert.deepEqual([...img.tags].sort(), [LOADED, TAGGED].sort());
    within(img.lastTagged.time, ...times.tag!, 'last tagged');
    assert.equal(img.lastTagged.kind, 'engine');
  });

  it('docker pull from a registry: pulled, from that repository, stored when the test pulled it', () => {
    const img = find(report(), pulled);
    assert.equal(img.arrival.how, 'pulled');
    assert.ok(img.repoDigests.some((d: string) => d.startsWith(`${reg.addr}/stowage-local/pulled@sha256:`)), img.repoDigests.join());
    assert.ok(img.sourceRepositories.some((r: string) => r.endsWith(`${reg.addr}/stowage-local/pulled`)), img.sourceRepositories.join());
    within(img.stored.time, ...times.pull!, 'stored');
  });

  it('says which images share layers', () => {
    const img = find(report(), LOADED);
    const s = img.sharesWith.find((x: any) => x.image === pulled);
    assert.equal(s?.layers, 1, JSON.stringify(img.sharesWith));
  });

  it('the text view labels every time', () => {
    const r = stowage(['local'], { env: dockerEnv() });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Stored +\S+ +\(inferred\)/);
    assert.match(r.stdout, /Last tagged +\S+ +\(recorded by the engine\)/);
    assert.match(r.stdout, /Created +\S+ +\(recorded in the image\)/);
  });

  it('reads the data root alone when the engine is not reachable', () => {
    const root = json(stowage(['local', '--json'], { env: dockerEnv() })).dataRoot as string;
    const r = json(stowage(['local', '--json', '--data-root', root.replace(/\/image\/[^/]+$/, '')], { env: { ...dockerEnv(), DOCKER_HOST: 'unix:///nonexistent.sock' } }));
    assert.equal(r.engine, null);
    assert.match(r.dataRootNote, /not reachable/);
    const img = find(r, LOADED);
    within(img.stored.time, ...times.load!, 'stored from the data root');
  });
});
