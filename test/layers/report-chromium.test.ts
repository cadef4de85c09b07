/**
 * `stowage report` opened in a real headless Chromium (Debian's `chromium`, driven by playwright-core, no browser
 * download): the page loads with no network request, a screenshot is taken, and the DOM as Chromium laid it out says
 * that the layer table and every chart show the right numbers: the figures worked out by hand for the crafted image
 * (layers-crafted.test.ts) and for the image dockerd builds (layers-docker.test.ts), and bar widths and treemap
 * areas in proportion to them.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { json, stowage } from '../helpers/cli.js';
import { scratch } from '../helpers/paths.js';
import { DOCKER_HOST, DOCKER_SKIP, docker, haveCommand, haveDocker } from '../helpers/peers.js';
import { imageArchive } from '../helpers/build-image.js';
import { tarOf } from '../helpers/build-layer.js';
import { LAYERS } from './crafted-image.js';
import { BASE } from '../helpers/images.js';
import { MiB, WASTE_IMAGE, buildWasteImage } from './waste-image.js';

const CHROMIUM = process.env.STOWAGE_CHROMIUM ?? '/usr/bin/chromium';
type PW = typeof import('playwright-core');
let pw: PW | undefined;
try {
  pw = await import('playwright-core');
} catch {
  pw = undefined;
}
const skip = !existsSync(CHROMIUM) || !haveCommand(CHROMIUM)
  ? `Chromium is not installed (${CHROMIUM}): apt-get install chromium (scripts/peers/install.sh does; CI does)`
  : !pw ? 'playwright-core is not installed: npm ci' : false;

const tmp = scratch('stowage-report-');
const shots = process.env.STOWAGE_REPORT_SHOTS ?? tmp;

interface Page {
  requests: string[];
  loadMs: number;
  dom: any;
}

/** Opens a report in a fresh headless Chromium, records every request, takes screenshots, reads the laid-out DOM. */
async function open(html: string, name: string): Promise<Page> {
  const browser = await pw!.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const t = performance.now();
    await page.goto('file://' + html, { waitUntil: 'load' });
    const loadMs = performance.now() - t;
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    // Runs in the page (a string: the test is compiled without the DOM's types).
    const dom: any = await page.evaluate(`(() => {
      const box = (e) => e.getBoundingClientRect();
      const num = (e, a = 'data-bytes') => (e ? Number(e.getAttribute(a)) : NaN);
      const q = (s, root = document) => [...root.querySelectorAll(s)];
      return {
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'),
        scripts: q('script').length,
        table: q('#layers tbody tr').map((tr) => ({
          layer: Number(tr.getAttribute('data-layer')),
          size: num(tr.querySelector('[data-col=size]')),
          sizeText: (tr.querySelector('[data-col=size]')).innerText.trim(),
          reclaimable: num(tr.querySelector('[data-col=reclaimable]')),
          wasted: num(tr.querySelector('[data-col=wasted]')),
          visible: box(tr).height > 0,
        })),
        stack: (() => {
          const s = document.querySelector('#chart-sizes .stack');
          return { width: box(s).width, segs: q('.seg', s).map((e) => ({ layer: Number(e.getAttribute('data-layer')), bytes: num(e), width: box(e).width })) };
        })(),
        waste: q('#chart-waste .brow').map((r) => ({
          layer: Number(r.getAttribute('data-layer')),
          track: box(r.querySelector('.btrack')).width,
          bar: box(r.querySelector('.bar')).width,
          segs: q('.seg', r).map((e) => ({ kind: e.getAttribute('data-kind'), bytes: num(e), width: box(e).width })),
        })),
        map: {
          width: box(document.querySelector('#treemap svg')).width,
          leaves: q('#treemap rect').filter((r) => r.getAttribute('data-kind') !== 'dir').map((r) => ({
            path: r.getAttribute('data-path'), bytes: num(r), kind: r.getAttribute('data-kind'), layer: Number(r.getAttribute('data-layer')),
            area: box(r).width * box(r).height,
          })),
        },
        delta: q('#chart-delta .brow').map((r) => ({ kind: r.getAttribute('data-kind'), bytes: num(r.querySelector('.seg')), width: box(r.querySelector('.bar')).width })),
        history: q('#history-table tbody tr').map((tr) => (tr).innerText),
        imageId: (document.querySelector('[data-id=image-id] code') )?.innerText,
        cards: Object.fromEntries(q('.card').map((c) => [c.id, (c.querySelector('.v')).innerText])),
      };
    })()`);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
    const phoneOverflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    dom.phoneOverflow = phoneOverflow;
    await context.close();
    return { requests, loadMs, dom };
  } finally {
    await browser.close();
  }
}

/** Widths and areas in proportion: within a pixel (bars) or 2% (areas). */
const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} is not ${b} (±${tol})`);

function checkCharts(dom: any, r: any): void {
  // Layer table: one row per layer, the numbers of `stowage layers --json`.
  assert.deepEqual(dom.table.map((t: any) => [t.layer, t.size, t.reclaimable, t.wasted]), r.layers.map((l: any) => [l.index + 1, l.size, l.reclaimable.total, l.wastedBytes]));
  assert.ok(dom.table.every((t: any) => t.visible));
  // Stacked sizes: each layer's segment is its share of the stack's width.
  assert.deepEqual(dom.stack.segs.map((s: any) => s.bytes), r.layers.map((l: any) => l.size));
  for (const s of dom.stack.segs) near(s.width, (dom.stack.width * s.bytes) / r.sizeBytes, 1, `stack segment of layer ${s.layer}`);
  // Waste per layer: bars in proportion to the largest layer, segments to the layer's bytes by why.
  const max = Math.max(...r.layers.map((l: any) => l.size));
  for (const [i, row] of dom.waste.entries()) {
    const l = r.layers[i];
    near(row.bar, (row.track * l.size) / max, 1, `waste bar of layer ${i + 1}`);
    const want = { kept: l.size - l.reclaimable.total, overwritten: l.reclaimable.overwritten, deleted: l.reclaimable.deleted, duplicate: l.reclaimable.duplicate } as Record<string, number>;
    for (const s of row.segs) {
      assert.equal(s.bytes, want[s.kind], `layer ${i + 1} ${s.kind}`);
      near(s.width, l.size ? (row.bar * s.bytes) / l.size : 0, 1, `layer ${i + 1} ${s.kind} segment`);
    }
  }
  // Treemap: the leaves hold every visible byte.
  assert.equal(dom.map.leaves.reduce((a: number, x: any) => a + x.bytes, 0), r.visibleBytes);
}

describe('stowage report in headless Chromium', { skip }, () => {
  let crafted: Page;
  let report: any;
  const archive = join(tmp, 'crafted.tar');
  const html = join(tmp, 'crafted.html');

  before(async () => {
    await imageArchive(archive, await Promise.all(LAYERS.map((l) => tarOf(l))));
    const w = stowage(['report', archive, '-o', html]);
    assert.equal(w.status, 0, w.stderr);
    report = json(stowage(['layers', archive, '--json']));
    crafted = await open(html, 'crafted');
  });

  it('loads with no network request, no script, and a policy that forbids fetching', () => {
    assert.deepEqual(crafted.requests, ['file://' + html]);
    assert.equal(crafted.dom.scripts, 0);
    assert.match(crafted.dom.csp, /default-src 'none'/);
    assert.ok(statSync(join(shots, 'crafted.png')).size > 10000, 'a screenshot was taken');
    assert.ok(crafted.dom.phoneOverflow <= 0, `the page fits a phone's width (overflow ${crafted.dom.phoneOverflow} px)`);
    console.log(`crafted report: ${statSync(html).size} bytes, load event after ${crafted.loadMs.toFixed(0)} ms; screenshots in ${shots}`);
  });

  it('shows the figures worked out by hand, and charts in proportion to them', () => {
    const d = crafted.dom;
    assert.deepEqual(d.table.map((t: any) => [t.size, t.reclaimable, t.wasted]), [[2550, 1650, 1700], [1510, 1500, 1000], [1000, 0, 1000]]);
    assert.deepEqual(d.table.map((t: any) => t.sizeText), ['2.55 kB', '1.51 kB', '1.00 kB']);
    assert.equal(d.cards['fig-efficiency'], `${((2660 / 5360) * 100).toFixed(2)}%`);
    assert.equal(d.cards['fig-reclaimable'], '3.15 kB');
    checkCharts(d, report);
    // Siblings share their directory's box in proportion: /dup1 (500) and /dup2 (500) are equal, /a/big's 1000
    // fills its directory alone.
    const leaf = (p: string) => d.map.leaves.find((x: any) => x.path === p);
    near(leaf('/dup1').area / leaf('/dup2').area, 1, 0.02, 'dup1 / dup2 area');
    assert.equal(leaf('/a/big').bytes, 1000);
    assert.equal(leaf('/a/big').layer, 3, 'coloured by the layer that wrote the visible file');
    assert.equal(leaf('/t/link').bytes, 400, "the hard link shows the content of t/target, which layer 3 deleted");
    assert.equal(d.history.length, 3);
  });
});

describe('stowage report in headless Chromium, on an image dockerd built, with a base', { skip: skip || (haveDocker() ? false : DOCKER_SKIP) }, () => {
  it('shows the layers, the waste, the delta against the base and every identity', async () => {
    buildWasteImage();
    const archive = join(tmp, 'waste.tar');
    const base = join(tmp, 'base.tar');
    docker(['save', '-o', archive, WASTE_IMAGE]);
    docker(['save', '-o', base, BASE]);
    const html = join(tmp, 'waste.html');
    const w = stowage(['report', `docker-daemon:${WASTE_IMAGE}`, '--base', base, '-o', html, '--json'], { env: { DOCKER_HOST } });
    assert.equal(w.status, 0, w.stderr);
    const r = json(stowage(['layers', archive, '--json']));
    const inspect = json(stowage(['inspect', archive, '--json'])).images[0];
    const page = await open(html, 'waste');
    assert.deepEqual(page.requests, ['file://' + html]);
    const d = page.dom;
    checkCharts(d, r);
    assert.deepEqual(d.table.map((t: any) => t.size).slice(1), [MiB + 400000, 170000 + MiB, 120000]);
    const leaf = (p: string) => d.map.leaves.find((x: any) => x.path === p);
    assert.equal(leaf('/w/big').bytes, MiB);
    assert.equal(leaf('/w/big').layer, 3, 'the hard link copied /w/big up into layer 3');
    assert.equal(leaf('/w/over').layer, 4);
    // Delta against the base: the base holds layer 1 by ChainID; the three others ship. Their files are random
    // bytes the base holds nowhere, so the patch carries every content byte plus a header per entry.
    const stored = inspect.layers.map((l: any) => l.blob.size);
    const entries = r.layers.slice(1).reduce((a: number, l: any) => a + l.entries.total + l.whiteouts + l.opaqueDirs, 0);
    const want = { full: stored.reduce((a: number, b: number) => a + b, 0), thin: stored[1] + stored[2] + stored[3], patch: r.layers[1].size + r.layers[2].size + r.layers[3].size + 512 * entries };
    assert.deepEqual(Object.fromEntries(d.delta.map((x: any) => [x.kind, x.bytes])), want);
    const wmax = d.delta.find((x: any) => x.kind === 'full').width;
    for (const x of d.delta) near(x.width, (wmax * x.bytes) / want.full, 1, `delta bar ${x.kind}`);
    assert.equal(JSON.parse(w.stdout).delta.thinBytes, want.thin);
    // History and identities as docker records them.
    const hist = JSON.parse(docker(['image', 'inspect', WASTE_IMAGE]))[0];
    assert.equal(d.imageId, hist.Id);
    assert.equal(d.history.length, 4);
    assert.match(d.history[3], /chmod 600 \/w\/over/);
    console.log(`waste report: ${statSync(html).size} bytes, load event after ${page.loadMs.toFixed(0)} ms`);
  });
});
