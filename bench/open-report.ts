/**
 * Times how long headless Chromium takes to open a report: from navigation to the load event (layout and first
 * paint done for a page with no script), best of N fresh pages, and counts the requests it made (want 1: the file).
 * Usage: node dist/bench/open-report.js REPORT.html [N=3]
 */
import { chromium } from 'playwright-core';

const [file, runs = '3'] = process.argv.slice(2);
if (!file) {
  console.error('usage: open-report.js REPORT.html [N]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.STOWAGE_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let best = Infinity;
let requests = 0;
for (let i = 0; i < Number(runs); i++) {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  let n = 0;
  page.on('request', () => n++);
  const t = performance.now();
  await page.goto('file://' + (file.startsWith('/') ? file : `${process.cwd()}/${file}`), { waitUntil: 'load' });
  best = Math.min(best, performance.now() - t);
  requests = Math.max(requests, n);
  await ctx.close();
}
await browser.close();
console.log(`opened in ${(best / 1000).toFixed(3)} s (best of ${runs}, to the load event), ${requests} request${requests === 1 ? '' : 's'}`);
