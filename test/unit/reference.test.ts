import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { familiarName, formatReference, normalizeTag, parseReference, repositoryName, sameTag } from '../../src/oci/reference.js';

describe('image references (docker rules)', () => {
  it('normalises docker.io/library', () => {
    const r = parseReference('alpine');
    assert.equal(repositoryName(r), 'docker.io/library/alpine');
    assert.equal(familiarName(r), 'alpine');
    assert.equal(normalizeTag('alpine'), 'alpine:latest');
    assert.equal(normalizeTag('docker.io/library/alpine:3'), 'alpine:3');
    assert.equal(normalizeTag('index.docker.io/user/app'), 'user/app:latest');
  });
  it('tells a registry from a path component', () => {
    assert.equal(parseReference('localhost/app').domain, 'localhost');
    assert.equal(parseReference('localhost:5000/app:1').domain, 'localhost:5000');
    assert.equal(parseReference('registry.example.com/team/app').path, 'team/app');
    assert.equal(parseReference('user/app').domain, 'docker.io');
    assert.equal(parseReference('127.0.0.1:5123/a/b:c').tag, 'c');
  });
  it('parses tags and digests', () => {
    const d = 'sha256:' + 'a'.repeat(64);
    const r = parseReference(`app:1.0@${d}`);
    assert.equal(r.tag, '1.0');
    assert.equal(r.digest, d);
    assert.equal(formatReference(r), `app:1.0@${d}`);
  });
  it('refuses what docker refuses', () => {
    assert.throws(() => parseReference('App'), /lowercase/);
    assert.throws(() => parseReference('app:'), /invalid tag/);
    assert.throws(() => parseReference('a//b'), /empty path component/);
    assert.throws(() => parseReference('app@sha256:123'), /digest/);
    assert.throws(() => parseReference('-app'), /invalid path component/);
    assert.throws(() => parseReference('app:' + 'x'.repeat(200)), /invalid tag/);
  });
  it('compares tags after normalisation', () => {
    assert.ok(sameTag('app', 'docker.io/library/app:latest'));
    assert.ok(!sameTag('app:1', 'app:2'));
  });
});
