/**
 * A full disk midway through `apply BUNDLE -o oci:DIR` (issue 21, bad input): one line naming the output, exit 1,
 * no image half-delivered (every image the layout names verifies), and after room is made a re-run completes it,
 * not writing again the images the first run delivered. On a small tmpfs in a private mount namespace (root only).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { CLI, scratch } from '../helpers/paths.js';
import { APPS, archivesOf, buildRelease, type ReleaseImage } from '../helpers/release.js';
import { unshareTmpfs } from '../helpers/peers.js';

const tmp = scratch('stowage-bundle-disk-');
const canUnshare = unshareTmpfs(tmp);
const SKIP = canUnshare ? false : 'needs root and unshare -m with mount (a private mount namespace for a small tmpfs); run as root in CI';
let rel: Map<string, ReleaseImage>;
const ok = (args: string[]) => {
  const r = stowage(args);
  assert.equal(r.status, 0, `stowage ${args.join(' ')}: ${r.stderr}`);
  return r;
};

describe('apply of a bundle onto a disk that fills midway', { skip: SKIP }, () => {
  before(async () => {
    rel = await buildRelease(join(tmp, 'release'));
    for (const a of APPS) ok(['copy', rel.get(`${a}:1`)!.archive, `oci:${join(tmp, 'site')}:${a}-1`, '-q']);
    ok(['have', `oci:${join(tmp, 'site')}`, '-o', join(tmp, 'have.json'), '-q']);
    // Sites at v1 and v2, so the bundle's app layers are small patches: the disk fills with rebuilt layers.
    ok(['bundle', ...archivesOf(rel, 2), '--site', join(tmp, 'have.json'), ...archivesOf(rel, 1).flatMap((a) => ['--base', a]), '-o', join(tmp, 'r2.bundle'), '-q']);
  });

  it('fails in one line naming the layout, leaves no half-delivered image, and a re-run completes it', () => {
    // The v1 site takes 28.4 MB; v2 adds 11.6 MB: 34 MB fills midway. Then the tmpfs grows and apply runs again.
    const script = [
      'mount -t tmpfs -o size=34m tmpfs "$MNT" || exit 99',
      'cp -a "$SITE" "$MNT/site"',
      '"$NODE" "$CLI" apply "$B" -o "oci:$MNT/site" 2> "$OUT/first.err"; echo $? > "$OUT/first.rc"',
      '"$NODE" "$CLI" inspect "oci:$MNT/site" --json > "$OUT/after-fail.json"',
      '"$NODE" "$CLI" verify "oci:$MNT/site" -q > /dev/null 2>&1; echo $? > "$OUT/verify-after-fail.rc"',
      'mount -o remount,size=96m "$MNT"',
      '"$NODE" "$CLI" apply "$B" -o "oci:$MNT/site" --json > "$OUT/second.json" 2> "$OUT/second.err"; echo $? > "$OUT/second.rc"',
      '"$NODE" "$CLI" inspect "oci:$MNT/site" --json > "$OUT/final.json"',
      '"$NODE" "$CLI" verify "oci:$MNT/site" -q > /dev/null 2>&1; echo $? > "$OUT/verify-final.rc"',
    ].join('\n');
    const mnt = join(tmp, 'mnt');
    spawnSync('mkdir', ['-p', mnt]);
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
      env: { ...process.env, MNT: mnt, SITE: join(tmp, 'site'), NODE: process.execPath, CLI, B: join(tmp, 'r2.bundle'), OUT: tmp, STOWAGE_NO_PROGRESS: '1' },
      encoding: 'utf8',
    });
    assert.notEqual(r.status, 99, 'mount failed');
    const read = (f: string) => spawnSync('cat', [join(tmp, f)], { encoding: 'utf8' }).stdout.trim();
    assert.equal(read('first.rc'), '1');
    const err = read('first.err').split('\n').filter(Boolean);
    assert.equal(err.length, 1, `one line: ${err.join(' | ')}`);
    assert.match(err[0]!, /site/);
    assert.match(err[0]!, /no space left|full/i);
    // Whatever the layout names after the failure verifies: no image was half-delivered.
    assert.equal(read('verify-after-fail.rc'), '0');
    const ids = (f: string) => new Set(JSON.parse(read(f)).images.map((i: { imageId: string }) => i.imageId));
    const landedFirst = APPS.filter((a) => ids('after-fail.json').has(rel.get(`${a}:2`)!.imageId));
    assert.ok(landedFirst.length < APPS.length, 'the disk filled before the last image');
    assert.equal(read('second.rc'), '0', read('second.err'));
    const second = JSON.parse(read('second.json'));
    assert.equal((second.alreadyThere ?? []).length, landedFirst.length, 'the images the first run delivered are not written again');
    for (const a of APPS) assert.ok(ids('final.json').has(rel.get(`${a}:2`)!.imageId), `${a}:2 arrived`);
    assert.equal(read('verify-final.rc'), '0');
    void json;
  });
});

describe('apply of a bundle in parts needs no temporary copy of it', { skip: SKIP }, () => {
  it('applies from parts with a temporary folder of 64 kB (the bundle is read in place)', () => {
    if (!rel) return; // built by the suite above
    const parts = join(tmp, 'parts');
    spawnSync('mkdir', ['-p', parts]);
    ok(['bundle', ...archivesOf(rel, 2), '--site', join(tmp, 'have.json'), ...archivesOf(rel, 1).flatMap((a) => ['--base', a]), '-o', join(parts, 'r2'), '--part-size', '8kB', '-q']);
    const dest = join(tmp, 'site-copy');
    spawnSync('cp', ['-a', join(tmp, 'site'), dest]);
    const mnt = join(tmp, 'small-tmp');
    spawnSync('mkdir', ['-p', mnt]);
    const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$MNT" || exit 99; STOWAGE_TMPDIR="$MNT" "$NODE" "$CLI" apply "$P" -o "oci:$DEST" -q'], {
      env: { ...process.env, MNT: mnt, NODE: process.execPath, CLI, P: parts, DEST: dest, STOWAGE_NO_PROGRESS: '1' },
      encoding: 'utf8',
    });
    assert.notEqual(r.status, 99, 'mount failed');
    assert.equal(r.status, 0, r.stderr);
    const ids = new Set(json(ok(['inspect', `oci:${dest}`, '--json'])).images.map((i: { imageId: string }) => i.imageId));
    for (const a of APPS) assert.ok(ids.has(rel.get(`${a}:2`)!.imageId));
  });
});
