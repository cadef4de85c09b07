/**
 * The bundle view of the HTML report: one self-contained page about a release bundle (no script, nothing fetched,
 * the same Content-Security-Policy as the image report), for the person who carries it to the sites. Sections: the
 * figures, the site states it applies to, per image what ships and why (a bar per image, a table with each image's
 * layers in order), the distinct layers, the parts, what the figures mean. Every name read from the bundle (tags, site
 * file names, the source) is escaped: a bundle is an untrusted input.
 */
import { formatBytes, plural } from '../cli/format.js';
import type { BundleReportData, BundleReportImage, ImageLayerWay } from '../ops/bundle-report.js';
import { esc } from './charts.js';
import { BUNDLE_STYLE } from './bundle-style.js';
import { STYLE } from './style.js';

/** How a layer reaches the site, with its colour and the words the page uses. */
const WAYS: Record<ImageLayerWay, { label: string; color: string; ink: string }> = {
  site: { label: 'from the site', color: '#c9d6e6', ink: '#1d2433' },
  patch: { label: 'patched', color: '#59a14f', ink: '#ffffff' },
  whole: { label: 'whole', color: '#e8743b', ink: '#ffffff' },
  shared: { label: 'shared with an image above', color: '#d7d2cc', ink: '#1d2433' },
};
const CONFIG_COLOR = '#4e79a7';

const short = (d: string): string => `${d.slice(0, 19)}…`;
const code = (s: string): string => `<code>${esc(s)}</code>`;
const nameOf = (i: { tags: string[]; imageId: string }): string => i.tags[0] ?? short(i.imageId);
const pct = (part: number, whole: number): string => (whole > 0 ? ((part / whole) * 100).toFixed(4) : '0');
const share = (part: number, whole: number): string =>
  whole <= 0 ? '–' : part > 0 && part / whole < 0.0005 ? '<0.1%' : `${((part / whole) * 100).toFixed(1)}%`;

/** Who receives it: a bundle names its site states; a plain patch delta was made for hosts holding its bases. */
function whoFor(d: BundleReportData): { lack: string; holds: string; held: string } {
  return d.sites.length
    ? { lack: 'The sites lack', holds: 'every site state holds it', held: 'a layer every site holds' }
    : { lack: 'The target lacks', holds: 'the base holds it', held: 'a base layer' };
}

/** An RFC 3339 time as a person reads it. */
function when(t: string): string {
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(t);
  return m ? `${m[1]} ${m[2]}${t.endsWith('Z') ? ' UTC' : ''}` : t;
}

/** The last path element of a file name, for the title (the full name stays in the footer). */
function baseName(s: string): string {
  const m = /([^/\\]+)[/\\]*$/.exec(s);
  return m ? m[1]! : s;
}

function cards(d: BundleReportData): string {
  const t = d.totals;
  const c = (id: string, label: string, value: string, note: string) =>
    `<div class="card" id="fig-${id}"><div class="k">${label}</div><div class="v" data-fig="${id}">${value}</div><div class="n">${note}</div></div>`;
  const shipped = t.patched.layers + t.whole.layers;
  const who = whoFor(d);
  const last = d.sites.length
    ? c('sites', 'Site states', String(d.sites.length), 'it applies on a site at any one')
    : c('sites', 'Made against', String(d.madeAgainst.length), 'a patch delta: no site states');
  return `<section class="cards" aria-label="key figures">
${c('bundle', 'The bundle', formatBytes(t.bundleBytes), d.parts ? `in ${plural(d.parts.count, 'part')}` : 'one file')}
${c('lacking', who.lack, formatBytes(t.lackingBytes), `${plural(shipped, 'layer')} as the images store them${t.lackingExact ? '' : ' (some uncompressed)'}`)}
${c('ratio', 'Bundle / lacking', share(t.bundleBytes, t.lackingBytes), 'what patches and sharing leave to carry')}
${c('images', 'Images', String(d.images.length), `${plural(d.layers.length, 'distinct layer')}`)}
${c('layers', 'Layers shipped', String(shipped), `${t.patched.layers} patched · ${t.whole.layers} whole · ${t.fromSite.layers} held by the site`)}
${last}
</section>`;
}

/** Two bars: the layers the sites lack, as stored, against the bundle that carries them (split by what it holds). */
function totalsChart(d: BundleReportData): string {
  const t = d.totals;
  const max = Math.max(1, t.lackingBytes, t.bundleBytes);
  const other = Math.max(0, t.bundleBytes - t.patched.bytes - t.whole.bytes - t.configBytes);
  const seg = (kind: string, bytes: number, color: string, label: string, of: number) =>
    `<div class="seg" data-kind="${kind}" data-bytes="${bytes}" style="width:${pct(bytes, of)}%;background:${color}" title="${esc(`${label}: ${formatBytes(bytes)}`)}" role="listitem" aria-label="${esc(`${label}: ${formatBytes(bytes)}`)}"></div>`;
  const row = (kind: string, label: string, note: string, bytes: number, segs: string) => `<div class="brow" data-kind="${kind}">
<div class="blabel">${label}<small>${note}</small></div>
<div class="btrack"><div class="bar" role="list" data-bytes="${bytes}" style="width:${pct(bytes, max)}%">${segs}</div></div>
</div>`;
  const lacking = row('lacking', `The layers ${whoFor(d).lack.toLowerCase()}`, `${formatBytes(t.lackingBytes)} as stored`, t.lackingBytes, seg('lacking', t.lackingBytes, '#6b7b8c', `layers ${whoFor(d).lack.toLowerCase()}`, t.lackingBytes));
  const bundle = row('bundle', 'The bundle', `${formatBytes(t.bundleBytes)} · ${share(t.bundleBytes, t.lackingBytes)} of that`, t.bundleBytes,
    seg('patch', t.patched.bytes, WAYS.patch.color, 'patches', t.bundleBytes) + seg('whole', t.whole.bytes, WAYS.whole.color, 'whole layers', t.bundleBytes)
    + seg('config', t.configBytes, CONFIG_COLOR, 'image configs', t.bundleBytes) + seg('framing', other, '#b8c0cc', 'index and tar framing', t.bundleBytes));
  return `<figure class="chart" id="chart-totals">
<figcaption>What a site receives: ${formatBytes(t.bundleBytes)} in place of ${formatBytes(t.lackingBytes)}</figcaption>
<div class="bars">${lacking}
${bundle}</div>
<ul class="legend"><li><i style="background:${WAYS.patch.color}"></i>patches <b>${formatBytes(t.patched.bytes)}</b></li><li><i style="background:${WAYS.whole.color}"></i>whole layers <b>${formatBytes(t.whole.bytes)}</b></li><li><i style="background:${CONFIG_COLOR}"></i>image configs <b>${formatBytes(t.configBytes)}</b></li><li><i style="background:#b8c0cc"></i>index and tar framing <b>${formatBytes(other)}</b></li></ul>
</figure>`;
}

function sitesSection(d: BundleReportData): string {
  if (!d.sites.length) {
    return `<section id="sites"><h2>Where it applies</h2>
<p>A patch delta made against ${d.madeAgainst.map(code).join(', ') || 'bases it does not name'}: it applies where those images are.</p></section>`;
  }
  const list = (images: string[]) => {
    const shown = images.slice(0, 12).map(code).join(' ');
    return images.length > 12 ? `${shown} <small>and ${images.length - 12} more</small>` : shown || '–';
  };
  const rows = d.sites.map((s, k) => `<tr data-site="${k + 1}"><th scope="row">${code(s.name)}<div class="note">${esc(short(s.digest))}</div></th>
<td class="num" data-col="images">${s.images.length}</td><td class="imgs">${list(s.images)}</td></tr>`).join('\n');
  return `<section id="sites"><h2>Where it applies</h2>
<p class="note">A site whose images are those of any one of these states (the records <code>stowage have</code> or an earlier <code>stowage apply --receipt</code> wrote) can apply the bundle: patches are made only against layers every state holds, and what one of them lacks ships whole.</p>
<div class="scroll"><table id="site-states"><caption>${plural(d.sites.length, 'site state')} the bundle was made for</caption>
<thead><tr><th scope="col">state (file, digest)</th><th scope="col" class="num">images</th><th scope="col">the images it records</th></tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

/** A bar per image, as long as the bytes it adds to the bundle, split into patches, whole layers and its config. */
function imageBars(d: BundleReportData): string {
  const max = Math.max(1, ...d.images.map((i) => i.shipped));
  const rows = d.images.map((i, k) => {
    const segs = ([['patch', i.patchBytes, WAYS.patch.color, 'patches'], ['whole', i.wholeBytes, WAYS.whole.color, 'whole layers'], ['config', i.configBytes, CONFIG_COLOR, 'config']] as const)
      .map(([kind, bytes, color, label]) => `<div class="seg" data-kind="${kind}" data-bytes="${bytes}" style="width:${pct(bytes, i.shipped)}%;background:${color}" title="${esc(`${nameOf(i)}, ${label}: ${formatBytes(bytes)}`)}" role="listitem" aria-label="${esc(`${label}: ${formatBytes(bytes)}`)}"></div>`).join('');
    return `<div class="brow" data-image="${k + 1}">
<div class="blabel" title="${esc(i.tags.join(', ') || i.imageId)}">${esc(nameOf(i))}<small>${formatBytes(i.shipped)} · ${waysText(i)}</small></div>
<div class="btrack"><div class="bar" role="list" aria-label="${esc(`${nameOf(i)}: ${formatBytes(i.shipped)} in the bundle`)}" data-bytes="${i.shipped}" style="width:${pct(i.shipped, max)}%">${segs}</div></div>
</div>`;
  }).join('\n');
  return `<figure class="chart" id="chart-images">
<figcaption>Bytes each image adds to the bundle (a layer two images share counts for the first)</figcaption>
<div class="bars">${rows}</div>
<ul class="legend"><li><i style="background:${WAYS.patch.color}"></i>patches</li><li><i style="background:${WAYS.whole.color}"></i>whole layers</li><li><i style="background:${CONFIG_COLOR}"></i>image config</li></ul>
</figure>`;
}

function waysText(i: BundleReportImage): string {
  const c = i.counts;
  return [c.fromSite && `${c.fromSite} from the site`, c.patched && `${c.patched} patched`, c.whole && `${c.whole} whole`, c.shared && `${c.shared} shared`].filter(Boolean).join(', ') || 'no layer';
}

/** An image's layers in order, each a chip saying how it reaches the site and why. */
function chips(i: BundleReportImage): string {
  return `<ol class="chips">${i.layers.map((l) => {
    const w = WAYS[l.way];
    const why = l.way === 'site' ? 'the site holds it'
      : l.way === 'shared' ? `in the bundle for ${l.sharedWith}`
      : l.way === 'patch' ? `a patch of ${formatBytes(l.shipped)} rebuilds ${formatBytes(l.size)}`
      : `${formatBytes(l.shipped)} as stored`;
    const text = `layer ${l.layer} ${w.label}`;
    return `<li class="chip" data-way="${l.way}" data-layer="${l.layer}" style="background:${w.color};color:${w.ink}" title="${esc(`${text}: ${why} (${short(l.diffId)})`)}"><b>L${l.layer}</b> ${esc(w.label)}<span>${esc(why)}</span></li>`;
  }).join('')}</ol>`;
}

function imagesSection(d: BundleReportData): string {
  const rows = d.images.map((i, k) => `<tr data-image="${k + 1}">
<th scope="row">${esc(nameOf(i))}${i.tags.length > 1 ? `<div class="note">also ${i.tags.slice(1).map(esc).join(', ')}</div>` : ''}<div class="note">${esc(short(i.imageId))}</div></th>
<td class="num" data-col="shipped" data-bytes="${i.shipped}">${formatBytes(i.shipped)}</td>
<td class="layers-cell">${chips(i)}</td></tr>`).join('\n');
  return `<section id="images-section"><h2>Per image: what ships and why</h2>
${imageBars(d)}
<div class="scroll"><table id="images"><caption>Each image, its layers from the bottom up (L<i>n</i>: the distinct layer <i>n</i> of the table below)</caption>
<thead><tr><th scope="col">image</th><th scope="col" class="num">in the bundle</th><th scope="col">layers</th></tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

function layersSection(d: BundleReportData): string {
  const who = whoFor(d);
  const how = (l: BundleReportData['layers'][number]): string => {
    if (l.how === 'base') return `<span class="how" data-how="base" style="background:${WAYS.site.color}">from the site</span><div class="note">${who.holds}${l.providedBy.length ? ` (${esc(l.providedBy.slice(0, 3).join(', '))}${l.providedBy.length > 3 ? '…' : ''})` : ''}</div>`;
    if (l.how === 'patch') return `<span class="how" data-how="patch" style="background:${WAYS.patch.color};color:#fff">patched</span><div class="note">${l.bases.length ? 'a base file is close' : `coded without a base: no ${d.sites.length ? 'layer every site holds' : 'base layer'} has its files`}${l.storedCompression !== 'none' ? `; rebuilt uncompressed (stored ${esc(l.storedCompression)})` : ''}</div>`;
    return `<span class="how" data-how="whole" style="background:${WAYS.whole.color};color:#fff">whole</span><div class="note">a patch would not be smaller (${esc(l.storedCompression)})</div>`;
  };
  const bases = (l: BundleReportData['layers'][number]) => l.bases.length
    ? l.bases.map((b) => `${code(short(b.diffId))}<div class="note">${b.heldBy.length ? `${esc(b.heldBy.slice(0, 2).join(', '))}${b.heldBy.length > 2 ? ` +${b.heldBy.length - 2}` : ''}` : who.held}</div>`).join('')
    : '–';
  const users = (u: string[]) => (u.length > 4 ? `${u.slice(0, 4).map(esc).join(', ')} <small>+${u.length - 4}</small>` : u.map(esc).join(', '));
  const rows = d.layers.map((l) => `<tr data-layer="${l.number}" data-how="${esc(l.how)}"><th scope="row">L${l.number}</th>
<td class="did" title="${esc(l.diffId)}">${code(short(l.diffId))}</td><td class="how-cell">${how(l)}</td>
<td class="num" data-col="size" data-bytes="${l.size}">${formatBytes(l.size)}</td>
<td class="num" data-col="shipped" data-bytes="${l.shipped}">${l.how === 'base' ? '–' : formatBytes(l.shipped)}${l.how === 'patch' && l.size ? `<small>${share(l.shipped, l.size)}</small>` : ''}</td>
<td class="bases">${bases(l)}</td><td class="users">${users(l.usedBy)}</td></tr>`).join('\n');
  return `<section id="layers-section"><h2>The distinct layers</h2>
<div class="scroll"><table id="layers"><caption>Each layer of the release once, by ChainID, in the bundle's order</caption>
<thead><tr><th scope="col">#</th><th scope="col">DiffID</th><th scope="col">how</th><th scope="col" class="num">size</th><th scope="col" class="num">shipped</th><th scope="col">patched against</th><th scope="col">images</th></tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

function partsSection(d: BundleReportData): string {
  const p = d.parts;
  if (!p) return '';
  if (!p.files.length) return `<section id="parts"><h2>Parts</h2><p>${plural(p.count, 'part')}, read one after another from standard input: each proved by its checksum as it passed.</p></section>`;
  const max = Math.max(1, ...p.files.map((f) => f.bytes));
  const rows = p.files.map((f) => `<tr data-part="${f.number}"><th scope="row">${f.number}</th><td>${code(f.file)}</td>
<td class="num" data-col="bytes" data-bytes="${f.bytes}">${formatBytes(f.bytes)}</td><td class="num" data-col="payload" data-bytes="${f.payload}">${formatBytes(f.payload)}</td>
<td class="meter"><div class="btrack"><div class="bar" style="width:${pct(f.bytes, max)}%;background:#4e79a7"></div></div></td></tr>`).join('\n');
  return `<section id="parts"><h2>Parts</h2>
<p class="note">${plural(p.count, 'numbered part')}, ${formatBytes(d.totals.partFileBytes ?? 0)} on disk; each is self-describing and checksummed (<code>stowage verify PART</code> proves one alone) and they apply in any order. All were read and proved for this page.</p>
<div class="scroll"><table id="parts-table"><caption>The part files, by number</caption>
<thead><tr><th scope="col">part</th><th scope="col">file</th><th scope="col" class="num">size</th><th scope="col" class="num">payload</th><th scope="col" class="meter-h">of the largest</th></tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

const DEFS = `<dl class="defs">
<dt>From the site</dt><dd>A layer every listed site state holds (by ChainID): left out of the bundle, read where the images are delivered.</dd>
<dt>Patched</dt><dd>Rebuilt from a patch against base layers every site state holds (the file contents the site has reused, the rest delta-coded or literal, zstd-compressed); <code>stowage apply</code> proves the rebuilt layer's DiffID.</dd>
<dt>Whole</dt><dd>Shipped as the image stores it: no patch would save at least 1% and 4 KiB.</dd>
<dt>Shared</dt><dd>A layer an image above in the list already put in the bundle: it is in the bundle once.</dd>
<dt>The sites lack</dt><dd>The layers shipped (patched or whole), as the images store them: what the sites would need without patches.</dd>
</dl>`;

export function renderBundleReport(d: BundleReportData): string {
  const title = baseName(d.source);
  const sub = [
    plural(d.images.length, 'image'), plural(d.layers.length, 'distinct layer'),
    d.sites.length ? `for ${plural(d.sites.length, 'site state')}` : 'a patch delta',
    d.parts ? `read from ${plural(d.parts.count, 'part')}` : '', `made ${when(d.created)}`,
  ].filter(Boolean).map(esc).join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${esc(d.generator)}">
<title>${esc(title)}: what the bundle carries</title>
<style>${STYLE}${BUNDLE_STYLE}</style>
</head>
<body>
<header>
<p class="eyebrow">${d.sites.length ? 'Bundle report' : 'Patch delta report'}</p>
<h1>${esc(title)}</h1>
<p class="sub">${sub}</p>
</header>
<main>
${cards(d)}
<section id="totals"><h2>What it carries</h2>
${totalsChart(d)}
</section>
${sitesSection(d)}
${imagesSection(d)}
${layersSection(d)}
${partsSection(d)}
<section id="defs"><h2>What the words mean</h2>${DEFS}</section>
</main>
<footer>Made by ${esc(d.generator)} from <code>${esc(d.source)}</code> (${esc(d.format)}); every blob (${d.blobsVerified}) was hashed against its name while it was read${d.parts?.files.length ? ', every part against its checksum' : ''}. No script, no font, nothing fetched.</footer>
</body>
</html>
`;
}
