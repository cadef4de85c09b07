/**
 * Squarified treemap layout (Bruls, Huizing, van Wijk, 2000): rectangles whose areas are proportional to their
 * values, laid in rows along the shorter side so they stay close to squares and can carry a label.
 */

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The worst aspect ratio of a row of areas laid along a side of length `side`. */
function worst(areas: number[], side: number): number {
  let sum = 0;
  let max = 0;
  let min = Infinity;
  for (const a of areas) {
    sum += a;
    if (a > max) max = a;
    if (a < min) min = a;
  }
  const s2 = sum * sum;
  const w2 = side * side;
  return Math.max((w2 * max) / s2, s2 / (w2 * min));
}

/** Lays `items` (any order; zero values dropped) into `box`; areas are proportional to `value`. */
export function squarify<T>(items: T[], value: (x: T) => number, box: Box): { item: T; box: Box }[] {
  const out: { item: T; box: Box }[] = [];
  const vals = items.map((item) => ({ item, v: value(item) })).filter((x) => x.v > 0).sort((a, b) => b.v - a.v);
  const total = vals.reduce((s, x) => s + x.v, 0);
  if (total <= 0 || box.w <= 0 || box.h <= 0) return out;
  const scale = (box.w * box.h) / total;
  const rest = vals.map((x) => ({ item: x.item, a: x.v * scale }));
  let { x, y, w, h } = box;
  let i = 0;
  while (i < rest.length) {
    const side = Math.min(w, h);
    const row = [rest[i]!];
    let j = i + 1;
    while (j < rest.length) {
      const next = [...row.map((r) => r.a), rest[j]!.a];
      if (worst(next, side) > worst(row.map((r) => r.a), side)) break;
      row.push(rest[j]!);
      j++;
    }
    i = j;
    const rowArea = row.reduce((s, r) => s + r.a, 0);
    const thick = rowArea / side;
    let off = 0;
    for (const r of row) {
      const len = r.a / thick;
      out.push({ item: r.item, box: w >= h ? { x, y: y + off, w: thick, h: len } : { x: x + off, y, w: len, h: thick } });
      off += len;
    }
    if (w >= h) {
      x += thick;
      w -= thick;
    } else {
      y += thick;
      h -= thick;
    }
  }
  return out;
}
