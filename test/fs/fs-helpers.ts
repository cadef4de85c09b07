/**
 * Helpers for the filesystem tests: craft layers and image archives entry by entry (hard links, whiteouts, PAX
 * records, odd names), and list a tar as a filesystem (path -> type, mode, owner, link target, content hash) so two
 * exports can be compared whatever their order.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { sha256 } from '../../src/oci/digest.js';
import { FileByteSource } from '../../src/tar/bytesource.js';
import type { NewHeader } from '../../src/tar/header.js';
import { readTar } from '../../src/tar/reader.js';
import { TarWriter } from '../../src/tar/writer.js';

export interface Crafted {
  h: NewHeader;
  body?: Buffer | string;
}

export const file = (name: string, data: string, h: Partial<NewHeader> = {}): Crafted => ({ h: { name, type: 'file', mode: 0o644, size: Buffer.byteLength(data), ...h }, body: data });
export const dir = (name: string, h: Partial<NewHeader> = {}): Crafted => ({ h: { name: name.endsWith('/') ? name : name + '/', type: 'dir', mode: 0o755, ...h } });
export const symlink = (name: string, target: string): Crafted => ({ h: { name, type: 'symlink', linkname: target, mode: 0o777 } });
export const hardlink = (name: string, target: string): Crafted => ({ h: { name, type: 'hardlink', linkname: target, mode: 0o644 } });
export const whiteout = (name: string): Crafted => file(name, '');

/** One layer tar in memory. */
export async function layer(entries: Crafted[]): Promise<Buffer> {
  const pt = new PassThrough();
  const chunks: Buffer[] = [];
  pt.on('data', (c: Buffer) => chunks.push(c));
  const w = new TarWriter(pt);
  for (const e of entries) {
    const body = e.body === undefined ? undefined : Buffer.from(e.body);
    await w.add(e.h, body);
  }
  await w.finish();
  pt.end();
  return Buffer.concat(chunks);
}

/** Writes a docker-archive (skopeo-style names) holding one image made of `layers` (bottom first). */
export async function imageArchive(path: string, layers: Buffer[], opts: { tag?: string; config?: Record<string, unknown>; store?: (layer: Buffer, i: number) => Buffer } = {}): Promise<void> {
  const diffIds = layers.map((l) => sha256(l));
  // Layers may be stored compressed (`store`); the config names the uncompressed tars.
  const stored = layers.map((l, i) => (opts.store ? opts.store(l, i) : l));
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: {}, ...(opts.config ?? {}),
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i + 1}` })),
  }));
  const cfgName = sha256(config).slice(7) + '.json';
  const names = diffIds.map((d) => d.slice(7) + '.tar');
  const manifest = Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: [opts.tag ?? 'crafted/image:1'], Layers: names }]));
  const out = createWriteStream(path);
  const w = new TarWriter(out);
  for (let i = 0; i < layers.length; i++) await w.addFile(names[i]!, stored[i]!);
  await w.addFile(cfgName, config);
  await w.addFile('manifest.json', manifest);
  await w.finish();
  out.end();
  await finished(out);
}

export interface Node {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  /** Symlink target. */
  link?: string;
  /** sha256 of the content (hard links: their target's). */
  sha?: string;
  size?: number;
  /** Whole seconds, non-directories only. */
  mtime?: number;
  /** The other names sharing this file (hard links), sorted, when there are any. */
  group?: string[];
}

export function clean(name: string): string {
  return name.split('/').filter((p) => p !== '' && p !== '.').join('/');
}

/** The entries of a tar in order, with their decoded headers. */
export async function entries(path: string): Promise<import('../../src/tar/header.js').TarHeader[]> {
  const src = await FileByteSource.open(path);
  const out = [];
  try {
    for await (const e of readTar(src, { what: path, allowEmpty: true })) out.push(e.header);
  } finally {
    await src.close();
  }
  return out;
}

/** Lists a tar as a filesystem; a later entry for the same path replaces an earlier one, as extraction does. */
export async function listTar(path: string, opts: { exclude?: (p: string) => boolean } = {}): Promise<Map<string, Node>> {
  const out = new Map<string, Node>();
  const links = new Map<string, string>(); // name -> the name it links to
  const src = await FileByteSource.open(path);
  try {
    for await (const e of readTar(src, { what: path, allowEmpty: true })) {
      const h = e.header;
      const p = clean(h.name);
      if (p === '' || opts.exclude?.(p)) continue;
      const n: Node = { type: h.type === 'hardlink' ? 'file' : h.type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid };
      if (h.type === 'symlink') n.link = h.linkname;
      if (h.type !== 'dir') n.mtime = Math.floor(h.mtime);
      if (h.type === 'file') {
        const hash = createHash('sha256');
        let size = 0;
        for await (const c of e.body()) {
          hash.update(c);
          size += c.length;
        }
        n.sha = hash.digest('hex');
        n.size = size;
      }
      if (h.type === 'hardlink') {
        const t = out.get(clean(h.linkname));
        if (!t) throw new Error(`${path}: hard link ${h.name} to ${h.linkname}, not earlier in the tar`);
        Object.assign(n, { type: t.type, sha: t.sha, size: t.size, link: t.link });
        links.set(p, clean(h.linkname));
      }
      out.set(p, n);
    }
  } finally {
    await src.close();
  }
  // Hard-link groups: every name with the names it shares content with.
  const root = (p: string): string => (links.has(p) ? root(links.get(p)!) : p);
  const groups = new Map<string, string[]>();
  for (const p of links.keys()) {
    const r = root(p);
    const g = groups.get(r) ?? [r];
    g.push(p);
    groups.set(r, g);
  }
  for (const g of groups.values()) for (const p of g) if (out.has(p)) out.get(p)!.group = [...g].sort();
  return out;
}

/** The differences between two listings, one line each (empty when they agree). */
export function compareListings(a: Map<string, Node>, b: Map<string, Node>, names: [string, string], opts: { ignore?: (keyof Node)[] } = {}): string[] {
  const diffs: string[] = [];
  const ignore = new Set(opts.ignore ?? []);
  for (const [p, n] of a) {
    const m = b.get(p);
    if (!m) {
      diffs.push(`${p}: only in ${names[0]}`);
      continue;
    }
    for (const k of ['type', 'mode', 'uid', 'gid', 'link', 'sha', 'size', 'mtime', 'group'] as (keyof Node)[]) {
      if (ignore.has(k)) continue;
      const x = JSON.stringify(n[k]);
      const y = JSON.stringify(m[k]);
      if (x !== y) diffs.push(`${p}: ${k} ${x} in ${names[0]}, ${y} in ${names[1]}`);
    }
  }
  for (const p of b.keys()) if (!a.has(p)) diffs.push(`${p}: only in ${names[1]}`);
  return diffs;
}
