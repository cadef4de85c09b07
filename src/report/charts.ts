/**
 * The report's charts, as markup that needs no script: bar charts are HTML boxes sized in percent (they reflow on a
 * phone and print as they look), the filesystem map is an SVG treemap. Every mark carries its number in a data
 * attribute and a title, and every chart an accessible name; colour is never the only way a value is told.
 */
import { formatBytes } from '../cli/format.js';
import type { LayersReport } from '../ops/layers.js';
import type { DeltaEstimate, FsNode } from '../ops/report.js';
import { squarify, type Box } from './treemap.js';

/** Tableau 10: distinct for the usual colour blindnesses when paired with labels. */
export const LAYER_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
export const layerColor = (i: number): string => LAYER_COLORS[i % LAYER_COLORS.length]!;
/** Text that reads on each layer colour. */
const INK_ON = (i: number): string => (['#edc948', '#bab0ac', '#ff9da7', '#76b7b2'].includes(layerColor(i)) ? '#1b1b1b' : '#ffffff');

export const WASTE_KINDS = [
  { key: 'kept', label: 'needed at the top', color: '#9fb8d3' },
  { key: 'overwritten', label: 'overwritten later', color: '#d1495b' },
  { key: 'deleted', label: 'deleted later', color: '#edae49' },
  { key: 'duplicate', label: 'duplicate of a lower layer', color: '#7c4d99' },
] as const;

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const pct = (part: number, whole: number): string => (whole > 0 ? ((part / whole) * 100).toFixed(4) : '0');

/** One bar of all layers side by side, each as wide as its share of the image's bytes. */
export function layerStack(r: LayersReport): string {
  const total = r.sizeBytes;
  const segs = r.layers.map((l) => {
    const label = `layer ${l.index + 1}: ${formatBytes(l.size)} (${total ? ((l.size / total) * 100).toFixed(1) : '0'}%)`;
    return `<div class="seg" data-layer="${l.index + 1}" data-bytes="${l.size}" style="width:${pct(l.size, total)}%;background:${layerColor(l.index)};color:${INK_ON(l.index)}" title="${esc(label)}" role="listitem" aria-label="${esc(label)}"><span>${l.size / total > 0.06 ? l.index + 1 : ''}</span></div>`;
  }).join('');
  const legend = r.layers.map((l) => `<li><i style="background:${layerColor(l.index)}"></i>layer ${l.index + 1} <b>${formatBytes(l.size)}</b></li>`).join('');
  return `<figure class="chart" id="chart-sizes">
<figcaption>Layer sizes, stacked: ${formatBytes(total)} of files in ${r.layers.length} layers</figcaption>
<div class="stack" role="list" aria-label="layer sizes as shares of ${esc(formatBytes(total))}">${segs}</div>
<ul class="legend">${legend}</ul>
</figure>`;
}

/** Per layer, a bar as long as the layer, split into what the top needs and what it does not, by why. */
export function wasteBars(r: LayersReport): string {
  const max = Math.max(1, ...r.layers.map((l) => l.size));
  const rows = r.layers.map((l) => {
    const rc = l.reclaimable;
    const kept = Math.max(0, l.size - rc.total);
    const parts = { kept, overwritten: rc.overwritten, deleted: rc.deleted, duplicate: rc.duplicate } as Record<string, number>;
    const segs = WASTE_KINDS.map((k) => {
      const b = parts[k.key]!;
      const label = `layer ${l.index + 1}, ${k.label}: ${formatBytes(b)}`;
      return `<div class="seg" data-kind="${k.key}" data-bytes="${b}" style="width:${pct(b, l.size)}%;background:${k.color}" title="${esc(label)}" role="listitem" aria-label="${esc(label)}"></div>`;
    }).join('');
    const wasteText = rc.total ? `${formatBytes(rc.total)} reclaimable` : 'no waste';
    return `<div class="brow" data-layer="${l.index + 1}">
<div class="blabel"><span class="dot" style="background:${layerColor(l.index)}"></span>layer ${l.index + 1}<small>${formatBytes(l.size)} · ${wasteText}</small></div>
<div class="btrack"><div class="bar" role="list" aria-label="layer ${l.index + 1}: ${esc(formatBytes(l.size))}, ${esc(wasteText)}" style="width:${pct(l.size, max)}%">${segs}</div></div>
</div>`;
  }).join('\n');
  const legend = WASTE_KINDS.map((k) => `<li><i style="background:${k.color}"></i>${k.label}</li>`).join('');
  return `<figure class="chart" id="chart-waste">
<figcaption>Waste per layer: ${formatBytes(r.reclaimable.total)} of ${formatBytes(r.sizeBytes)} not needed at the top</figcaption>
<div class="bars">${rows}</div>
<ul class="legend">${legend}</ul>
</figure>`;
}

/** Bars for what each way of shipping the image to a host holding the base would carry. */
export function deltaBars(d: DeltaEstimate): string {
  const items = [
    { kind: 'full', label: 'full docker save (layers)', bytes: d.fullBytes, color: '#6b7b8c' },
    { kind: 'thin', label: `thin delta: ${d.thinLayers} layer${d.thinLayers === 1 ? '' : 's'} the base lacks`, bytes: d.thinBytes, color: '#4e79a7' },
    { kind: 'patch', label: 'file-level patch (upper bound)', bytes: d.patchBytes, color: '#59a14f' },
  ];
  const max = Math.max(1, ...items.map((i) => i.bytes));
  const rows = items.map((i) => `<div class="brow" data-kind="${i.kind}">
<div class="blabel">${esc(i.label)}<small>${formatBytes(i.bytes)}${d.fullBytes && i.kind !== 'full' ? ` · ${((i.bytes / d.fullBytes) * 100).toFixed(1)}% of full` : ''}</small></div>
<div class="btrack"><div class="bar" style="width:${pct(i.bytes, max)}%"><div class="seg" data-kind="${i.kind}" data-bytes="${i.bytes}" style="width:100%;background:${i.color}" role="img" aria-label="${esc(`${i.label}: ${formatBytes(i.bytes)}`)}" title="${esc(`${i.label}: ${formatBytes(i.bytes)}`)}"></div></div></div>
</div>`).join('\n');
  return `<figure class="chart" id="chart-delta">
<figcaption>What a host holding ${esc(d.baseTags[0] ?? d.base)} would need to receive</figcaption>
<div class="bars">${rows}</div>
</figure>`;
}

const W = 1000;
const H = 620;
const HEAD = 15;

/** Truncates a label to the width it has (about 6.2 px per character at the map's font size). */
function fit(text: string, width: number): string {
  const n = Math.floor((width - 6) / 6.2);
  if (n < 3) return '';
  return text.length <= n ? text : text.slice(0, n - 1) + '…';
}

/** The merged filesystem as a squarified treemap: directories hold their children, files are coloured by layer. */
export function treemap(root: FsNode, paths: number): string {
  const out: string[] = [];
  const draw = (n: FsNode, box: Box, depth: number): void => {
    const title = `${n.path}: ${formatBytes(n.size)}${n.kind === 'file' ? `, layer ${n.layer + 1}` : n.kind === 'more' ? ` in ${n.count} entries` : ''}`;
    const attrs = `data-path="${esc(n.path)}" data-bytes="${n.size}" data-layer="${n.layer + 1}" data-kind="${n.kind}"`;
    const r = (b: Box) => `x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${Math.max(0, b.w).toFixed(1)}" height="${Math.max(0, b.h).toFixed(1)}"`;
    const hasKids = n.kind === 'dir' && n.kids && n.kids.length > 0;
    if (!hasKids) {
      const fill = n.kind === 'more' ? '#d5d9de' : layerColor(n.layer);
      const ink = n.kind === 'more' ? '#333' : INK_ON(n.layer);
      out.push(`<g class="leaf"><rect ${r(box)} fill="${fill}" ${attrs}><title>${esc(title)}</title></rect>`);
      if (box.w > 40 && box.h > 13) {
        const label = fit(n.name, box.w);
        if (label) out.push(`<text x="${(box.x + 3).toFixed(1)}" y="${(box.y + 11).toFixed(1)}" fill="${ink}">${esc(label)}</text>`);
        if (box.h > 26 && box.w > 48) out.push(`<text x="${(box.x + 3).toFixed(1)}" y="${(box.y + 23).toFixed(1)}" fill="${ink}" class="sz">${formatBytes(n.size)}</text>`);
      }
      out.push('</g>');
      return;
    }
    const head = depth > 0 && box.h > 34 && box.w > 50 ? HEAD : 0;
    if (depth > 0) {
      out.push(`<g class="dir"><rect ${r(box)} class="dirbox" ${attrs}><title>${esc(title)}</title></rect>`);
      if (head) out.push(`<text x="${(box.x + 3).toFixed(1)}" y="${(box.y + 11).toFixed(1)}" class="dirlabel">${esc(fit(`${n.name}/ ${formatBytes(n.size)}`, box.w))}</text>`);
      out.push('</g>');
    }
    const pad = depth > 0 ? 1.5 : 0;
    const inner = { x: box.x + pad, y: box.y + pad + head, w: box.w - 2 * pad, h: box.h - 2 * pad - head };
    if (inner.w < 2 || inner.h < 2) return;
    for (const c of squarify(n.kids!, (k) => k.size, inner)) draw(c.item, c.box, depth + 1);
  };
  draw(root, { x: 0, y: 0, w: W, h: H }, 0);
  return `<figure class="chart" id="treemap">
<figcaption>The merged filesystem by size: ${formatBytes(root.size)} in ${paths.toLocaleString('en-US')} paths; each file coloured by the layer that wrote it (directories and grouped entries: by their largest file)</figcaption>
<div class="mapwrap"><svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="treemap-title" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">
<title id="treemap-title">Treemap of the merged filesystem, ${esc(formatBytes(root.size))}</title>
${out.join('\n')}
</svg></div>
</figure>`;
}
