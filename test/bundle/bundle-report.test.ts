/**
 * The bundle view of `stowage report` (issue 21, item 5), on a real bundle of the release of test/helpers/release.ts:
 * sites at v1 (an OCI layout, recorded by `stowage have`) and at v2, one bundle v3 for both, as one file and as
 * numbered parts. The page's figures are held against what other commands say of the same bundle: `bundle --json`
 * (the layers it shipped, the stored bytes the sites lack, the bytes written), `inspect --json` (per image what it
 * adds), the files on disk; the page against a hostile bundle (tags and a site file name holding markup); and, when
 * Chromium is installed, the page as the browser lays it out (no request, bars in proportion to the bytes).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, copyFileSync, truncateSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, oneLineError, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { haveCommand } from '../helpers/peers.js';
import { APPS, archivesOf, buildRelease, type ReleaseImage } from '../helpers/release.js';
import { imageArchive } from '../helpers/build-image.js';
import { file, tarOf } from '../helpers/build-layer.js';
import { createHash } from 'node:crypto';

const tmp = scratch('stowage-bundle-report-');
let rel: Map<string, ReleaseImage>;
const ok = (args: string[], input?: Buffer) => {
  const r = stowage(args, input ? { input } : {});
  assert.equal(r.status, 0, `stowage ${args.join(' ')}: ${r.stderr}`);
  return r;
};
const BUNDLE = () => join(tmp, 'r3.bundle');
const PARTS = () => join(tmp, 'parts');
let made: any;
let madeParts: any;

const bundleArgs = () => [...archivesOf(rel, 3), '--site', join(tmp, 'have-v1.json'), '--site', join(tmp, 'have-v2.json'),
  ...[1, 2].flatMap((v) => archivesOf(rel, v as 1 | 2).flatMap((a) => ['--base', a]))];

before(async () => {
  rel = await buildRelease(join(tmp, 'release'));
  const site = join(tmp, 'site-v1');
  for (const a of APPS) ok(['copy', rel.get(`${a}:1`)!.archive, `oci:${site}:${a}-1`, '-q']);
  ok(['have', `oci:${site}`, '-o', join(tmp, 'have-v1.json'), '-q']);
  ok(['have', ...archivesOf(rel, 2), '-o', join(tmp, 'have-v2.json'), '-q']);
  made = json(ok(['bundle', ...bundleArgs(), '-o', BUNDLE(), '--json']));
  mkdirSync(PARTS());
  madeParts = json(ok(['bundle', ...bundleArgs(), '-o', join(PARTS(), 'r3'), '--part-size', '8kB', '--json']));
});

/** The page's rows of the per-image table: tag and the bytes the row says it adds. */
function imageRows(html: string): { tag: string; bytes: number }[] {
  return [...html.matchAll(/<tr data-image="\d+">\s*<th scope="row">([^<]*)[\s\S]*?data-col="shipped" data-bytes="(\d+)">([^<]*)</g)].map((m) => ({ tag: m[1]!, bytes: Number(m[2]) }));
}

function selfContained(html: string): void {
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
  assert.doesNotMatch(html, /<script|<link|\ssrc=|url\(|@import|https?:\/\//i);
}

describe('stowage report BUNDLE', () => {
  it('one file: the page and its JSON give the sizes the bundle and inspect give', () => {
    const out = join(tmp, 'r3.html');
    const s = json(ok(['report', BUNDLE(), '-o', out, '--json']));
    const html = readFileSync(out, 'utf8');
    selfContained(html);
    assert.equal(s.schema, 'stowage.report-bundle/v1');
    assert.equal(s.bytes, Buffer.byteLength(html));
    assert.equal(s.parts, null);
    // Totals: the bundle's bytes are the file's; what the sites lack is the stored size bundle counted.
    assert.equal(s.totals.bundleBytes, statSync(BUNDLE()).size);
    assert.equal(s.totals.bundleBytes, made.archiveBytes);
    assert.equal(s.totals.lackingBytes, made.missingBytes);
    assert.equal(s.totals.lackingExact, true);
    const shipped = (how: string) => made.layers.filter((l: any) => l.how === how).reduce((n: number, l: any) => n + l.shipped, 0);
    assert.equal(s.totals.patchBytes, shipped('patch'));
    assert.equal(s.totals.wholeBytes, shipped('whole'));
    assert.deepEqual([s.layers.total, s.layers.fromSite, s.layers.patched, s.layers.whole],
      [made.layers.length, ...['base', 'patch', 'whole'].map((h) => made.layers.filter((l: any) => l.how === h).length)]);
    // The site states: the two have files, five images each.
    assert.deepEqual(s.sites.map((x: any) => [x.name, x.images]), [[join(tmp, 'have-v1.json'), 5], [join(tmp, 'have-v2.json'), 5]]);
    for (const x of s.sites) assert.ok(html.includes(x.name), `the page names ${x.name}`);
    // Per image: what inspect says it adds, and the same on the page, in the same order, with every tag.
    const inspected = json(ok(['inspect', BUNDLE(), '--json']));
    assert.deepEqual(s.images.map((i: any) => [i.tags, i.imageId, i.shipped, i.fromSite, i.patched, i.whole, i.shared]),
      inspected.images.map((i: any) => [i.tags, i.imageId, i.shipped, i.fromSite, i.patched, i.whole, i.shared]));
    assert.deepEqual(s.images.map((i: any) => i.tags[0]), APPS.map((a) => rel.get(`${a}:3`)!.tag));
    assert.deepEqual(imageRows(html), s.images.map((i: any) => ({ tag: i.tags[0], bytes: i.shipped })));
    // Each image's bytes add up to the bundle's content: patches, whole layers and configs.
    assert.equal(s.images.reduce((n: number, i: any) => n + i.shipped, 0), s.totals.patchBytes + s.totals.wholeBytes + s.totals.configBytes);
    // Runtime a (v3's security update) is patched; bravo and charlie share it with alpha, above them.
    assert.deepEqual(s.images.slice(0, 3).map((i: any) => i.shared), [0, 1, 1]);
    assert.match(html, /in the bundle for stowage-release\/alpha:3/);
    // The distinct layers table: a row per layer, with the sizes bundle gave.
    const rows = [...html.matchAll(/<tr data-layer="(\d+)" data-how="(\w+)">[\s\S]*?data-col="size" data-bytes="(\d+)"[\s\S]*?data-col="shipped" data-bytes="(\d+)"/g)];
    assert.deepEqual(rows.map((m) => [m[2], Number(m[4])]), made.layers.map((l: any) => [l.how, l.shipped]));
    for (const [k, m] of rows.entries()) if (made.layers[k].how !== 'base') assert.equal(Number(m[3]), made.layers[k].size);
  });

  it('parts, shuffled across two folders: numbers, sizes, and the same totals', () => {
    const files = madeParts.parts as string[];
    assert.ok(files.length >= 5, `${files.length} parts`);
    const a = join(tmp, 'disc1'), b = join(tmp, 'disc2');
    mkdirSync(a);
    mkdirSync(b);
    files.forEach((p, i) => cpSync(p, join(i % 2 ? a : b, p.split('/').pop()!)));
    const out = join(tmp, 'parts.html');
    const s = json(ok(['report', b, a, '-o', out, '--json']));
    const html = readFileSync(out, 'utf8');
    selfContained(html);
    assert.equal(s.parts.count, files.length);
    assert.deepEqual(s.parts.files.map((f: any) => f.number), files.map((_, i) => i + 1));
    assert.deepEqual(s.parts.files.map((f: any) => f.bytes), files.map((f) => statSync(f).size));
    for (const f of s.parts.files) assert.ok(f.bytes <= 1_000_000);
    // The payload of the parts is the bundle: the bytes bundle wrote; the part files add a header and trailer each.
    assert.equal(s.totals.bundleBytes, madeParts.archiveBytes);
    assert.equal(s.totals.partFileBytes, files.reduce((n, f) => n + statSync(f).size, 0));
    assert.equal(s.totals.partFileBytes - s.totals.bundleBytes, files.length * 208);
    assert.equal(s.totals.lackingBytes, madeParts.missingBytes);
    for (const f of s.parts.files) assert.match(html, new RegExp(`<tr data-part="${f.number}">[\\s\\S]*?data-col="bytes" data-bytes="${f.bytes}"`));
    assert.deepEqual(imageRows(html).map((r) => r.tag), APPS.map((x) => rel.get(`${x}:3`)!.tag));
  });

  it('from standard input: the bundle counted from its index is the size of the file', () => {
    const out = join(tmp, 'stdin.html');
    const s = json(ok(['report', '-', '-o', out, '--json'], readFileSync(BUNDLE())));
    assert.equal(s.totals.bundleBytes, statSync(BUNDLE()).size);
    assert.equal(s.source, 'standard input');
    selfContained(readFileSync(out, 'utf8'));
    // Parts one after another on standard input: counted, each proved as it passed; no files to list.
    const parts = Buffer.concat((madeParts.parts as string[]).map((f) => readFileSync(f)));
    const p = json(ok(['report', '-', '-o', out, '--json'], parts));
    assert.deepEqual(p.parts, { count: madeParts.parts.length, files: [] });
    assert.equal(p.totals.bundleBytes, madeParts.archiveBytes);
    assert.equal(p.totals.partFileBytes, null);
    assert.match(readFileSync(out, 'utf8'), /read one after another from standard input/);
  });

  it('a plain patch delta (no site states): the same view, for the target that holds its base', () => {
    const delta = join(tmp, 'plain.delta');
    const made = json(ok(['delta', '--patch', rel.get('alpha:2')!.archive, rel.get('delta:2')!.archive, '--base', rel.get('alpha:1')!.archive, '-o', delta, '--json']));
    const out = join(tmp, 'plain.html');
    const s = json(ok(['report', delta, '-o', out, '--json']));
    assert.deepEqual(s.sites, []);
    assert.equal(s.totals.bundleBytes, made.archiveBytes);
    assert.equal(s.totals.lackingBytes, made.missingBytes);
    const html = readFileSync(out, 'utf8');
    selfContained(html);
    assert.match(html, /Patch delta report/);
    assert.match(html, /The target lacks/);
    assert.ok(html.includes(rel.get('alpha:1')!.archive), 'names what it was made against');
    assert.deepEqual(imageRows(html).map((r) => r.tag), [rel.get('alpha:2')!.tag, rel.get('delta:2')!.tag]);
  });

  it('layers stored gzip: one ships whole (noise), one is patched and counted at its tar size (lackingExact false)', async () => {
    // Noise no patch can shrink (a hash chain), and text whose base copy the site holds.
    const noise = Buffer.alloc(512 << 10);
    let blk = createHash('sha256').update('noise').digest();
    for (let off = 0; off < noise.length; off += 32) {
      blk.copy(noise, off);
      blk = createHash('sha256').update(blk).digest();
    }
    const lines = (v: number) => Array.from({ length: 20_000 }, (_, i) => `line ${i} of the catalog ${createHash('sha256').update(String(i)).digest('hex')}${i % 997 === 0 ? ` v${v}` : ''}`).join('\n');
    const root = await tarOf([file('etc/os-release', 'NAME=crafted\n')]);
    const textV1 = await tarOf([file('srv/catalog.txt', lines(1))]);
    const textV2 = await tarOf([file('srv/catalog.txt', lines(2))]);
    const noiseLayer = await tarOf([file('srv/noise.bin', noise)]);
    const base = join(tmp, 'gz-base.tar');
    const target = join(tmp, 'gz-target.tar');
    await imageArchive(base, [root, textV1], { tag: 'crafted/mixed:1', storage: { gzip: 6 } });
    const targetImg = await imageArchive(target, [root, noiseLayer, textV2], { tag: 'crafted/mixed:2', storage: { gzip: 6 } });
    const have = join(tmp, 'gz-have.json');
    ok(['have', base, '-o', have, '-q']);
    const bundle = join(tmp, 'gz.bundle');
    const made = json(ok(['bundle', target, '--site', have, '--base', base, '-o', bundle, '--new-digests', '--json']));
    assert.deepEqual(made.layers.map((l: any) => l.how), ['base', 'whole', 'patch']);
    const out = join(tmp, 'gz.html');
    const s = json(ok(['report', bundle, '-o', out, '--json']));
    assert.equal(s.totals.lackingExact, false);
    // The whole layer as stored (its gzip), the patched one at its tar's size (the index keeps no stored size).
    assert.equal(s.totals.lackingBytes, made.layers[1].shipped + made.layers[2].size);
    assert.equal(s.totals.wholeBytes, made.layers[1].shipped);
    assert.equal(s.totals.wholeBytes, targetImg.layers[1]!.blob.length);
    assert.equal(s.totals.patchBytes, made.layers[2].shipped);
    assert.deepEqual([s.images[0].fromSite, s.images[0].whole, s.images[0].patched], [1, 1, 1]);
    const html = readFileSync(out, 'utf8');
    selfContained(html);
    assert.match(html, /data-way="whole"/);
    assert.match(html, /rebuilt uncompressed \(stored gzip\)/);
    assert.match(html, /some uncompressed/);
  });

  it('a hostile bundle: tags and a site file name holding markup are shown as text', () => {
    const dir = join(tmp, 'hostile');
    mkdirSync(dir);
    execFileSync('tar', ['-C', dir, '-xf', rel.get('alpha:3')!.archive]);
    const tag = `evil/<script>alert(1)</script>:1"&'`;
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m[0].RepoTags = [tag];
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    const archive = join(tmp, 'hostile.tar');
    execFileSync('tar', ['-C', dir, '-cf', archive, '.']);
    const siteFile = join(tmp, '<img onerror=x>site&1.json');
    copyFileSync(join(tmp, 'have-v1.json'), siteFile);
    const bundle = join(tmp, 'hostile.bundle');
    const made = json(ok(['bundle', archive, '--site', siteFile, '--base', rel.get('alpha:1')!.archive, '-o', bundle, '--json']));
    assert.deepEqual(made.images[0].tags, [tag]);
    const out = join(tmp, 'hostile.html');
    const s = json(ok(['report', bundle, '-o', out, '--json']));
    assert.deepEqual(s.images[0].tags, [tag]);
    const html = readFileSync(out, 'utf8');
    selfContained(html);
    assert.doesNotMatch(html, /<img|<script|onerror=x>/);
    assert.ok(html.includes('evil/&lt;script&gt;alert(1)&lt;/script&gt;:1&quot;&amp;&#39;'), 'the tag, escaped');
    assert.ok(html.includes('&lt;img onerror=x&gt;site&amp;1.json'), 'the site file, escaped');
  });

  it('bad input: one line naming it, nothing under the output name', () => {
    const cut = join(tmp, 'cut.bundle');
    copyFileSync(BUNDLE(), cut);
    truncateSync(cut, Math.floor(statSync(cut).size / 2));
    const out = join(tmp, 'bad.html');
    const r = stowage(['report', cut, '-o', out]);
    assert.equal(r.status, 1);
    assert.match(oneLineError(r), /cut\.bundle/);
    assert.equal(existsSync(out), false);
    // A part missing: named by number.
    const some = join(tmp, 'some-parts');
    mkdirSync(some);
    for (const p of (madeParts.parts as string[]).filter((_, i) => i !== 2)) cpSync(p, join(some, p.split('/').pop()!));
    const m = stowage(['report', some, '-o', out]);
    assert.equal(m.status, 1);
    assert.match(oneLineError(m), /part 3/);
    assert.equal(existsSync(out), false);
    // A part damaged: named by its file.
    const dam = join(tmp, 'damaged-parts');
    cpSync(PARTS(), dam, { recursive: true });
    const victim = readdirSync(dam).sort()[1]!;
    const bytes = readFileSync(join(dam, victim));
    bytes[4000] ^= 0xff;
    writeFileSync(join(dam, victim), bytes);
    const d = stowage(['report', dam, '-o', out]);
    assert.equal(d.status, 1);
    assert.match(oneLineError(d), new RegExp(`part 2|${victim}`));
    assert.equal(existsSync(out), false);
    // Flags that mean nothing for a bundle.
    const u = stowage(['report', BUNDLE(), '--base', rel.get('alpha:1')!.archive, '-o', out]);
    assert.equal(u.status, 2);
    assert.match(oneLineError(u), /takes no --base/);
    const two = stowage(['report', rel.get('alpha:1')!.archive, rel.get('alpha:2')!.archive, '-o', out]);
    assert.equal(two.status, 2);
    oneLineError(two);
    assert.equal(existsSync(out), false);
  });
});

const CHROMIUM = process.env.STOWAGE_CHROMIUM ?? '/usr/bin/chromium';
let pw: typeof import('playwright-core') | undefined;
try {
  pw = await import('playwright-core');
} catch {
  pw = undefined;
}
const chromiumSkip = !existsSync(CHROMIUM) || !haveCommand(CHROMIUM)
  ? `Chromium is not installed (${CHROMIUM}): apt-get install chromium (scripts/peers/install.sh does; CI does)`
  : !pw ? 'playwright-core is not installed: npm ci' : false;

describe('the bundle page in headless Chromium', { skip: chromiumSkip }, () => {
  it('loads nothing but itself; bars are in proportion to the bytes; the table rows are laid out', async () => {
    const page = join(tmp, 'chromium.html');
    ok(['report', PARTS(), '-o', page, '-q']);
    const browser = await pw!.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
    try {
      const p = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
      const requests: string[] = [];
      p.on('request', (r) => requests.push(r.url()));
      await p.goto('file://' + page, { waitUntil: 'load' });
      await p.screenshot({ path: join(process.env.STOWAGE_REPORT_SHOTS ?? tmp, 'bundle.png'), fullPage: true });
      const dom: any = await p.evaluate(`(() => {
        const q = (s, r = document) => [...r.querySelectorAll(s)];
        const w = (e) => e.getBoundingClientRect().width;
        return {
          scripts: q('script').length,
          bars: q('#chart-images .brow .bar').map((b) => ({ bytes: Number(b.getAttribute('data-bytes')), width: w(b) })),
          totals: q('#chart-totals .brow .bar').map((b) => ({ bytes: Number(b.getAttribute('data-bytes')), width: w(b) })),
          images: q('#images tbody tr').map((tr) => ({ tag: tr.querySelector('th').innerText.split('\\n')[0], height: tr.getBoundingClientRect().height })),
          parts: q('#parts-table tbody tr').length,
          pageWidth: document.documentElement.scrollWidth,
        };
      })()`);
      assert.deepEqual(requests, ['file://' + page]);
      assert.equal(dom.scripts, 0);
      assert.equal(dom.pageWidth, 1200, 'nothing wider than the window');
      const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1.5, `${what}: ${a} vs ${b}`);
      for (const set of [dom.bars, dom.totals]) {
        const widest = set.reduce((m: any, b: any) => (b.bytes > m.bytes ? b : m));
        for (const b of set) close(b.width, (widest.width * b.bytes) / widest.bytes, `bar of ${b.bytes} B`);
      }
      assert.deepEqual(dom.images.map((i: any) => i.tag), APPS.map((a) => rel.get(`${a}:3`)!.tag));
      for (const i of dom.images) assert.ok(i.height > 20, `${i.tag}'s row is laid out`);
      assert.equal(dom.parts, madeParts.parts.length);
    } finally {
      await browser.close();
    }
  });
});
