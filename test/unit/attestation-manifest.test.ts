/**
 * BuildKit's attestation manifests (issue 20, what `docker buildx build --push` writes by default on the containerd
 * image store): an index of the image and a manifest annotated `vnd.docker.reference.type: attestation-manifest`,
 * whose config is an image config (os and architecture "unknown") and whose layer is in-toto JSON. It is read as an
 * artifact beside the image, never as an image (which made every command on such an image fail on its "layer").
 * The layout here has the shape BuildKit 0.25 in Docker 28.5 pushed (test/patch/exact-producers.test.ts pushes real
 * ones).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { before, describe, it } from 'node:test';
import { files, sha, tarOf } from '../helpers/build-layer.js';
import { stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

describe('a BuildKit attestation manifest is read as an artifact, not an image', () => {
  const dir = join(scratch('stowage-attestation-'), 'layout');
  let image = '';
  let attestation = '';
  before(async () => {
    mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
    const put = (b: Buffer | string) => { const x = Buffer.from(b); writeFileSync(join(dir, 'blobs/sha256', sha(x).slice(7)), x); return { digest: sha(x), size: x.length }; };
    const tar = await tarOf(files({ 'app/hello.txt': 'hello\n' }));
    const layer = put(gzipSync(tar));
    const config = put(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/app'] }, rootfs: { type: 'layers', diff_ids: [sha(tar)] } }));
    const m = put(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...config }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }] }));
    image = m.digest;
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2', subject: [{ name: 'app', digest: { sha256: image.slice(7) } }], predicate: {} }));
    const aconfig = put(JSON.stringify({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [sha(statement)] } }));
    const a = put(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: { mediaType: OCI_CONFIG, ...aconfig },
      layers: [{ mediaType: 'application/vnd.in-toto+json', ...put(statement), annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }] }));
    attestation = a.digest;
    const index = put(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [
      { mediaType: OCI_MANIFEST, ...m, platform: { architecture: 'amd64', os: 'linux' } },
      { mediaType: OCI_MANIFEST, ...a, annotations: { 'vnd.docker.reference.digest': image, 'vnd.docker.reference.type': 'attestation-manifest' }, platform: { architecture: 'unknown', os: 'unknown' } },
    ] }));
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: { 'org.opencontainers.image.ref.name': 'app:1' } }] }));
  });

  it('inspect lists the one image and says what the attestation is', () => {
    const r = stowage(['inspect', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.images.map((i: any) => i.manifest.digest), [image]);
    assert.ok(report.warnings.some((w: string) => w.includes(attestation) && w.includes('attestation manifest') && w.includes(image)), report.warnings.join(' | '));
  });

  it('verify proves the image and the attestation\'s blobs', () => {
    const r = stowage(['verify', dir]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
  });

  it('export writes the image\'s files (the attestation is no layer of it)', () => {
    const out = join(dir, '..', 'fs.tar');
    const r = stowage(['export', dir, '-o', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(execFileSync('tar', ['-tf', out]).toString().split('\n').filter((n) => n.endsWith('hello.txt')), ['app/hello.txt']);
  });
});
