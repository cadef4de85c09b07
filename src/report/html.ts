/**
 * The HTML report: one self-contained file (no script, no font, no image from anywhere: a Content-Security-Policy
 * forbids every fetch), readable on a phone (it reflows; tables scroll sideways) and in print (light colours, no
 * page breaks inside a chart). Sections: the figures, the layers (charts and table), where the waste is, the
 * filesystem map, the largest files per layer, the delta against a base, the history, every identity.
 */
import { formatBytes, truncate } from '../cli/format.js';
import type { LayersReport } from '../ops/layers.js';
import type { ReportData } from '../ops/report.js';
import { deltaBars, esc, layerColor, layerStack, treemap, wasteBars } from './charts.js';
import { STYLE } from './style.js';

const pctText = (x: number | null): string => (x === null ? 'infinite' : `${(x * 100).toFixed(2)}%`);
const cnt = (c: { entries: number; bytes: number }): string => (c.entries ? `${c.entries.toLocaleString('en-US')} <small>${formatBytes(c.bytes)}</small>` : '–');
const code = (s: string | null | undefined): string => (s ? `<code>${esc(s)}</code>` : '–');

/** An RFC 3339 time as a person reads it: date and time to the second, UTC. */
function when(t: string | undefined): string {
  if (!t) return '';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(t);
  return m ? `${m[1]} ${m[2]}${t.endsWith('Z') ? ' UTC' : ''}` : t;
}

function stripShell(s: string): string {
  return s.replace(/^\/bin\/sh -c (#\(nop\) )?/, '').trim();
}

function cards(r: LayersReport): string {
  const share = r.sizeBytes ? `${((r.reclaimable.total / r.sizeBytes) * 100).toFixed(1)}% of the layers: ` : '';
  const c = (id: string, label: string, value: string, note: string) =>
    `<div class="card" id="fig-${id}"><div class="k">${label}</div><div class="v">${value}</div><div class="n">${note}</div></div>`;
  return `<section class="cards" aria-label="key figures">
${c('size', 'In the layers', formatBytes(r.sizeBytes), `${r.layers.length} layers of file content`)}
${c('visible', 'Visible at the top', formatBytes(r.visibleBytes), 'what a container sees')}
${c('reclaimable', 'Reclaimable', formatBytes(r.reclaimable.total), `${share}overwritten, deleted or duplicated`)}
${c('efficiency', 'Efficiency', pctText(r.efficiency), "dive's score")}
${c('wasted', 'Wasted', formatBytes(r.wastedBytes), "dive's wasted bytes")}
${c('userwasted', 'User wasted', pctText(r.userWastedPercent), "dive: wasted / bytes above the base")}
</section>`;
}

function layerTable(r: LayersReport): string {
  const rows = r.layers.map((l) => {
    const cmd = stripShell(l.history?.createdBy ?? l.history?.comment ?? '');
    return `<tr data-layer="${l.index + 1}">
<th scope="row"><span class="dot" style="background:${layerColor(l.index)}"></span>${l.index + 1}</th>
<td class="num" data-col="size" data-bytes="${l.size}">${formatBytes(l.size)}</td>
<td class="num" data-col="reclaimable" data-bytes="${l.reclaimable.total}">${l.reclaimable.total ? formatBytes(l.reclaimable.total) : '–'}</td>
<td class="num" data-col="wasted" data-bytes="${l.wastedBytes}">${l.wastedBytes ? formatBytes(l.wastedBytes) : '–'}</td>
<td class="num">${cnt(l.added)}</td><td class="num">${cnt(l.changed)}</td>
<td class="num">${cnt(l.removed)}${l.whiteouts ? ` <small>${l.whiteouts} whiteout${l.whiteouts === 1 ? '' : 's'}</small>` : ''}</td>
<td class="cmd" title="${esc(cmd)}">${esc(truncate(cmd, 140)) || '–'}</td>
</tr>`;
  }).join('\n');
  return `<div class="scroll"><table id="layers">
<caption>Each layer: its size, the bytes of it the top does not need, dive's wasted bytes, and what it adds, changes and removes</caption>
<thead><tr><th scope="col">#</th><th scope="col">size</th><th scope="col">reclaimable</th><th scope="col">wasted (dive)</th><th scope="col">added</th><th scope="col">changed</th><th scope="col">removed</th><th scope="col">created by</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>`;
}

function wasteSection(r: LayersReport): string {
  const why = (f: LayersReport['wasteFiles'][number]) => (f.why === 'duplicate' ? `duplicates layer ${f.by + 1}` : `${f.why} by layer ${f.by + 1}`);
  const files = r.wasteFiles.length
    ? `<div class="scroll"><table id="waste-files"><caption>The largest files stored but not needed at the top</caption>
<thead><tr><th scope="col">size</th><th scope="col">path</th><th scope="col">layer</th><th scope="col">why</th></tr></thead><tbody>
${r.wasteFiles.map((f) => `<tr data-bytes="${f.size}"><td class="num">${formatBytes(f.size)}</td><td>${code(f.path)}</td><td class="num">${f.layer + 1}</td><td>${why(f)}</td></tr>`).join('\n')}
</tbody></table></div>`
    : '<p class="ok">No file is overwritten, deleted or duplicated across layers.</p>';
  const dive = r.inefficiencies.length
    ? `<div class="scroll"><table id="inefficiencies"><caption>dive's inefficient paths: in two layers or more, every copy counted</caption>
<thead><tr><th scope="col">copies</th><th scope="col">bytes</th><th scope="col">path</th></tr></thead><tbody>
${r.inefficiencies.map((x) => `<tr><td class="num">${x.count}</td><td class="num">${formatBytes(x.cumulativeBytes)}</td><td>${code(x.path)}</td></tr>`).join('\n')}
</tbody></table></div>`
    : '';
  return `<section id="waste"><h2>Where the waste is</h2>${files}${dive}</section>`;
}

function perLayer(r: LayersReport): string {
  const list = (items: { path: string; size: number }[]) =>
    items.length ? `<ol>${items.map((x) => `<li><span class="num">${formatBytes(x.size)}</span> ${code(x.path)}</li>`).join('')}</ol>` : '<p>–</p>';
  return `<section id="largest"><h2>Largest files and directories per layer</h2>
${r.layers.map((l) => `<details open><summary><span class="dot" style="background:${layerColor(l.index)}"></span>Layer ${l.index + 1} · ${formatBytes(l.size)} · ${l.entries.total.toLocaleString('en-US')} entries</summary>
<div class="two"><div><h3>Files</h3>${list(l.topFiles)}</div><div><h3>Directories</h3>${list(l.topDirs)}</div></div></details>`).join('\n')}
</section>`;
}

function historySection(d: ReportData): string {
  const rows = d.history.map((h, i) => {
    const l = h.layer === null ? undefined : d.layers.layers[h.layer];
    return `<tr${h.layer === null ? ' class="empty"' : ` data-layer="${h.layer + 1}"`}><td class="num">${i + 1}</td>
<td class="lay">${l ? `<span class="dot" style="background:${layerColor(l.index)}"></span>layer ${l.index + 1} <small>${formatBytes(l.size)}</small>` : '<small>no layer</small>'}</td>
<td class="when">${esc(when(h.created))}</td><td class="cmd">${esc(stripShell(h.created_by ?? h.comment ?? ''))}</td></tr>`;
  }).join('\n');
  return `<section id="history"><h2>History</h2>
<div class="scroll"><table id="history-table"><caption>Every step the config records, those that made no layer (ENV, LABEL, CMD…) included</caption>
<thead><tr><th scope="col">step</th><th scope="col">layer</th><th scope="col">created</th><th scope="col">created by</th></tr></thead><tbody>
${rows || '<tr><td colspan="4">The config records no history.</td></tr>'}
</tbody></table></div></section>`;
}

function identities(d: ReportData): string {
  const i = d.identities;
  const row = (id: string, k: string, v: string, note = '') => `<tr data-id="${id}"><th scope="row">${k}</th><td>${v}${note ? `<div class="note">${esc(note)}</div>` : ''}</td></tr>`;
  const manifest = i.manifest
    ? row('manifest', 'Manifest digest', code(i.manifest.digest), i.manifest.origin === 'synthesized' ? `synthesized by stowage (${i.manifest.note ?? 'the source holds no manifest'}); a registry's will differ` : (i.manifest.note ?? 'stored in the source'))
    : row('manifest', 'Manifest digest', '–', i.manifestMissing ?? '');
  const layers = i.layers.map((l) => `<tbody class="ident-layer" data-layer="${l.index + 1}">
<tr><th scope="rowgroup" colspan="2"><span class="dot" style="background:${layerColor(l.index)}"></span>Layer ${l.index + 1}</th></tr>
${row('diffid', 'DiffID', code(l.diffId), 'sha256 of the uncompressed tar')}
${row('chainid', 'ChainID', code(l.chainId), 'this layer with every layer below it')}
${row('blob', 'Blob', code(l.blob.digest), l.blob.digestSource === 'uncompressed' ? 'stored uncompressed: equal to the DiffID' : (l.compression ?? ''))}
${l.v1?.dir ? row('v1', 'v1 directory', code(l.v1.dir), l.v1.matchesMoby ? "matches moby's rule" : "not moby's rule") : ''}
</tbody>`).join('\n');
  return `<section id="identities"><h2>Identities</h2>
<div class="scroll"><table class="ident"><caption>Every name this image has (as <code>stowage inspect</code> shows them)</caption>
<tbody>
${row('image-id', 'Image ID', code(i.imageId), `the classic engine shows ${i.shortId}`)}
${manifest}
${row('platform', 'Platform', esc(i.platform))}
${row('created', 'Created', esc(i.created ?? '–'))}
${row('tags', 'Tags', i.tags.map((t) => code(t)).join(' ') || '–')}
</tbody>
${layers}
</table></div></section>`;
}

function deltaSection(d: ReportData): string {
  const x = d.delta;
  if (!x) return '';
  const rows = x.layers.map((l) => `<tr data-layer="${l.index + 1}"><th scope="row"><span class="dot" style="background:${layerColor(l.index)}"></span>${l.index + 1}</th><td class="num">${formatBytes(l.storedBytes)}</td><td>${l.inBase ? 'left out: the base has it' : '<b>shipped</b>'}</td><td>${code(l.chainId.slice(0, 19) + '…')}</td></tr>`).join('\n');
  return `<section id="delta"><h2>Against the base ${esc(x.baseTags[0] ?? x.base)}</h2>
${deltaBars(x)}
<p class="note">A thin delta (<code>stowage delta</code>) leaves out every layer the base holds by ChainID. The file-level patch counts, in the layers it would ship, only the file contents the base holds nowhere (by sha256; ${x.reused.files.toLocaleString('en-US')} files, ${formatBytes(x.reused.bytes)}, are already there) plus a 512-byte header per entry: an upper bound before binary diffs of changed files and compression.</p>
<div class="scroll"><table id="delta-layers"><caption>Which layers a thin delta ships</caption>
<thead><tr><th scope="col">#</th><th scope="col">stored</th><th scope="col">thin delta</th><th scope="col">ChainID</th></tr></thead><tbody>
${rows}
</tbody></table></div></section>`;
}

const FORMULAS = `<dl class="defs">
<dt>Reclaimable</dt><dd>Bytes of a layer's files the top does not need: overwritten or deleted by a later layer (unless a hard link still holds the content), or a duplicate: visible, with the same content (sha256) also stored visibly in a lower layer.</dd>
<dt>Efficiency (dive)</dt><dd>Sum over paths of the smallest size the path has in any layer, divided by the sum of every size it has in every layer. Only each layer's leaves count; a whiteout counts the size of the directory it deletes, 0 for a file.</dd>
<dt>Wasted (dive)</dt><dd>Every size of every path that appears in two layers or more, the copy kept at the top included.</dd>
<dt>User wasted (dive)</dt><dd>Wasted bytes divided by the bytes of every layer but the first.</dd>
</dl>`;

export function renderReport(d: ReportData): string {
  const r = d.layers;
  const name = r.image.tags[0] ?? r.image.imageId.slice(0, 19);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="${esc(d.generator)}">
<title>${esc(name)}: where the bytes go</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<p class="eyebrow">Image report</p>
<h1>${esc(name)}</h1>
<p class="sub"><code>${esc(r.image.imageId.slice(0, 19))}…</code> · ${esc(r.image.platform)} · ${r.layers.length} layers${r.image.created ? ` · created ${esc(when(r.image.created))}` : ''}${r.image.tags.length > 1 ? ` · also ${r.image.tags.slice(1).map(esc).join(', ')}` : ''}</p>
</header>
<main>
${cards(r)}
<section id="layers-section"><h2>Layers</h2>
${layerStack(r)}
${wasteBars(r)}
${layerTable(r)}
</section>
${wasteSection(r)}
<section id="fs"><h2>Filesystem</h2>
${treemap(d.fs, d.fsPaths)}
</section>
${perLayer(r)}
${deltaSection(d)}
${historySection(d)}
${identities(d)}
<section id="defs"><h2>What the figures mean</h2>${FORMULAS}</section>
</main>
<footer>Made by ${esc(d.generator)} from <code>${esc(d.source)}</code> in one pass over the layers. No script, no font, nothing fetched.</footer>
</body>
</html>
`;
}
