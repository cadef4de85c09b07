import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isDigest, parseDigest, sha256, shortId } from '../../src/oci/digest.js';
import { chainIds } from '../../src/oci/identities.js';
import { v1LayerIds } from '../../src/oci/v1id.js';
import { goString, goTime } from '../../src/oci/gojson.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';
import { execFileSync } from 'node:child_process';

const hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe('digests', () => {
  it('sha256 and validation', () => {
    assert.equal(sha256('abc'), `sha256:${hex('abc')}`);
    assert.ok(isDigest(sha256('x')));
    assert.ok(!isDigest('sha256:ABC'));
    assert.equal(shortId(sha256('abc')), hex('abc').slice(0, 12));
    assert.throws(() => parseDigest('sha512:abcd', 'here'), /unsupported digest algorithm/);
    assert.throws(() => parseDigest(42, 'here'), /here: not a sha256 digest/);
  });
});

describe('ChainIDs', () => {
  it('follow ChainID(n) = sha256(ChainID(n-1) + " " + DiffID(n))', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((s) => sha256(s));
    const chains = chainIds([a!, b!, c!]);
    assert.equal(chains[0], a);
    const ab = `sha256:${hex(`${a} ${b}`)}`;
    assert.equal(chains[1], ab);
    assert.equal(chains[2], `sha256:${hex(`${ab} ${c}`)}`);
    assert.deepEqual(chainIds([]), []);
  });
});

describe('Go JSON encoding', () => {
  it('escapes as encoding/json does', () => {
    assert.equal(goString('a<b>&c'), '"a\\u003cb\\u003e\\u0026c"');
    assert.equal(goString('tab\there\nnl\r"q"\\'), '"tab\\there\\nnl\\r\\"q\\"\\\\"');
    assert.equal(goString('\u0001\u001f\u2028\u2029'), '"\\u0001\\u001f\\u2028\\u2029"');
    assert.equal(goString('é漢😀'), '"é漢😀"');
    assert.equal(goString('\ud800x'), '"\\ufffdx"');
  });
  it('formats times as time.Time marshals them', () => {
    assert.equal(goTime('2024-01-02T03:04:05.120000000Z'), '2024-01-02T03:04:05.12Z');
    assert.equal(goTime('2024-01-02T03:04:05+00:00'), '2024-01-02T03:04:05Z');
    assert.equal(goTime('2024-01-02T03:04:05.5+02:00'), '2024-01-02T03:04:05.5+02:00');
    assert.equal(goTime('2024-01-02T03:04:05.1234567891Z'), '2024-01-02T03:04:05.123456789Z');
    assert.equal(goTime('yesterday'), undefined);
  });
});

/**
 * The v1 directory names real engines wrote must come out of moby's rule (also checked on a save with a symlinked
 * layer that dockerd 20.10 writes in test/conformance/engine-saves.test.ts).
 */
describe('v1 IDs against archives written by real dockerd', () => {
  function check(archive: string): number {
    const dir = scratch();
    execFileSync('tar', ['-C', dir, '-xf', archive]);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    let n = 0;
    for (const item of manifest) {
      const config = JSON.parse(readFileSync(join(dir, item.Config), 'utf8'));
      const ids = v1LayerIds(chainIds(config.rootfs.diff_ids), config);
      const dirs = item.Layers.map((l: string) => `sha256:${l.split('/')[0]}`);
      assert.deepEqual(ids, dirs, `${archive} ${item.RepoTags}`);
      n += dirs.length;
    }
    return n;
  }
  it('the bundled examples (docker 20.10 docker save)', () => {
    assert.equal(check(join(EXAMPLES, 'app-1.tar')), 2);
    assert.equal(check(join(EXAMPLES, 'app-2.tar')), 3);
  });
  it('gives no name for a config Go could not have read', () => {
    const [id] = v1LayerIds([sha256('x')], { config: { Env: 'not-a-list' } });
    assert.equal(id, undefined);
  });
});
