/**
 * `stowage report` and `stowage layers` from the command line, no browser and no peer needed: the page is one
 * self-contained file (nothing it could fetch), written whole or not at all; bad input fails in one line.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { imageArchive } from '../helpers/build-image.js';
import { tarOf } from '../helpers/build-layer.js';
import { LAYERS } from './crafted-image.js';

const tmp = scratch('stowage-report-cli-');
const ARCHIVE = join(tmp, 'crafted.tar');
const BASE = join(tmp, 'base.tar');

before(async () => {
  const tars = await Promise.all(LAYERS.map((l) => tarOf(l)));
  await imageArchive(ARCHIVE, tars);
  await imageArchive(BASE, tars.slice(0, 1), { tag: 'crafted/base:1' });
});

describe('stowage report', () => {
  it('writes one page that names nothing outside itself', () => {
    const out = join(tmp, 'page.html');
    const r = stowage(['report', ARCHIVE, '--base', BASE, '-o', out, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const s = json(r);
    assert.equal(s.schema, 'stowage.report/v1');
    const html = readFileSync(out, 'utf8');
    assert.equal(s.bytes, Buffer.byteLength(html));
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    // No URL a browser could fetch: no script, no link, no src, no url(), no @import.
    assert.doesNotMatch(html, /<script|<link|\ssrc=|url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/i);
    // The delta against the base: layer 1 is the base's; layers 2 and 3 ship.
    const layers = json(stowage(['layers', ARCHIVE, '--json'])).layers;
    const stored = json(stowage(['inspect', ARCHIVE, '--json'])).images[0].layers.map((l: any) => l.blob.size);
    assert.equal(s.delta.fullBytes, stored[0] + stored[1] + stored[2]);
    assert.equal(s.delta.thinBytes, stored[1] + stored[2]);
    // The patch: layer 2's a/big (1000, new bytes) and o/new (10), not dup2 (dup1's bytes, which the base holds);
    // layer 3's a/big (1000: layer 2's bytes, which the base does not hold); and a header per entry and whiteout.
    const entries = layers.slice(1).reduce((a: number, l: any) => a + l.entries.total + l.whiteouts + l.opaqueDirs, 0);
    assert.equal(s.delta.patchBytes, 1000 + 10 + 1000 + 512 * entries);
  });

  it('writes to standard output with -o -', () => {
    const r = stowage(['report', ARCHIVE, '-o', '-']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^<!doctype html>[\s\S]*<\/html>\n$/);
  });

  it('fails in one line and leaves nothing under the output name', () => {
    const out = join(tmp, 'none.html');
    const missing = stowage(['report', join(tmp, 'no-such.tar'), '-o', out]);
    assert.equal(missing.status, 1);
    oneLineError(missing);
    assert.equal(existsSync(out), false);
    const cut = join(tmp, 'cut.tar');
    copyFileSync(ARCHIVE, cut);
    truncateSync(cut, 3000);
    const r = stowage(['report', cut, '-o', out]);
    assert.notEqual(r.status, 0);
    assert.match(oneLineError(r), /^stowage: /);
    assert.equal(existsSync(out), false);
    const noOut = stowage(['report', ARCHIVE]);
    assert.equal(noOut.status, 2);
    assert.match(oneLineError(noOut), /-o, --output/);
  });
});

describe('stowage layers: bad input', () => {
  it('a truncated layer fails in one line, exit 1', () => {
    const cut = join(tmp, 'cut-layers.tar');
    copyFileSync(ARCHIVE, cut);
    truncateSync(cut, 3000);
    const r = stowage(['layers', cut]);
    assert.equal(r.status, 1);
    oneLineError(r);
    const top = stowage(['layers', ARCHIVE, '--top', 'x']);
    assert.equal(top.status, 2);
    assert.match(oneLineError(top), /--top "x": give a whole number/);
  });
});
