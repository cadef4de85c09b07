/**
 * A disk that fills while parts are written: one line naming the part file that did not fit, exit 1, and nothing
 * left on the disk (no part under its final name, no temporary part). Runs the writer on a small tmpfs in a private
 * mount namespace (root and unshare needed; skipped with a message otherwise).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scratch } from '../helpers/paths.js';
import { unshareTmpfs } from '../helpers/peers.js';

const tmp = scratch('stowage-parts-disk-');
const SPLIT = fileURLToPath(new URL('./split-file.js', import.meta.url));
const canUnshare = unshareTmpfs(tmp);
const SKIP = canUnshare ? false : 'needs root and unshare -m with mount (a private mount namespace for a small tmpfs); run as root in CI';
let n = 0;

/** Splits `input` into parts of `partSize` on a tmpfs of `size` bytes; what it said and what is left there. */
function splitOnTmpfs(size: number, input: string, partSize: number): { status: number; stderr: string; left: string[]; mnt: string } {
  const mnt = join(tmp, `mnt${++n}`);
  mkdirSync(mnt);
  const list = join(tmp, `ls${n}`);
  const script = `mount -t tmpfs -o size=${size} tmpfs "$MNT" || exit 99; "$NODE" "$SPLIT" "$IN" "$MNT/release" "$PS"; rc=$?; ls -A "$MNT" > "$LIST"; exit $rc`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
    env: { ...process.env, MNT: mnt, NODE: process.execPath, SPLIT, IN: input, PS: String(partSize), LIST: list },
  });
  assert.notEqual(r.status, 99, 'mount failed');
  return { status: r.status ?? -1, stderr: r.stderr.toString(), left: existsSync(list) ? readFileSync(list, 'utf8').split('\n').filter(Boolean) : [], mnt };
}

describe('parts: a disk that fills while the parts are written', { skip: SKIP }, () => {
  it('names the part that did not fit and leaves nothing, wherever the disk fills', () => {
    const input = join(tmp, 'payload');
    writeFileSync(input, randomBytes(200_000));
    const partSize = 64 << 10;
    const roomy = splitOnTmpfs(1 << 20, input, partSize);
    assert.equal(roomy.status, 0, roomy.stderr);
    assert.deepEqual(roomy.left, ['release.001', 'release.002', 'release.003', 'release.004']);
    for (const cap of [8 << 10, 60 << 10, 100 << 10, 136 << 10, 196 << 10]) {
      const r = splitOnTmpfs(cap, input, partSize);
      assert.equal(r.status, 1, `a ${cap}-byte disk: exit ${r.status}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      // The part being written when the disk filled: part k starts at byte (k - 1) * 64 KiB of the disk.
      assert.match(lines[0]!, new RegExp(`^stowage: ${r.mnt}/release\\.00[1-4]: no space left on the device \\(ENOSPC\\); no part written$`), `a ${cap}-byte disk`);
      const k = Number(/release\.00(\d)/.exec(lines[0]!)![1]);
      assert.ok(k >= Math.floor(cap / partSize) && k <= Math.floor(cap / partSize) + 1, `a ${cap}-byte disk fills in part ${k}`);
      assert.deepEqual(r.left, [], `a ${cap}-byte disk: nothing left on it`);
    }
  });
});
