/**
 * Hostile inputs, made at test time: raw tar header blocks with any type flag and any size field (GNU long names,
 * PAX records, base-256 negative sizes), and image archives and layouts around crafted layers. Small on disk: the
 * large ones are gzip layers of repetitive bytes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** One raw header block; `sizeField` replaces the octal size (e.g. a base-256 number). */
export function header(o: { name: string; typeflag?: string; size?: number; sizeField?: Buffer; linkname?: string; mode?: number }): Buffer {
  const b = Buffer.alloc(512);
  b.write(o.name.slice(0, 100), 0, 100, 'utf8');
  b.write(((o.mode ?? 0o644).toString(8).padStart(7, '0')) + '\0', 100, 8, 'latin1');
  b.write('0000000\0', 108, 8, 'latin1');
  b.write('0000000\0', 116, 8, 'latin1');
  if (o.sizeField) o.sizeField.copy(b, 124, 0, 12);
  else b.write((o.size ?? 0).toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
  b.write('00000000000\0', 136, 12, 'latin1');
  b.write(o.typeflag ?? '0', 156, 1, 'latin1');
  if (o.linkname) b.write(o.linkname.slice(0, 100), 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 8, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return b;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

/** A header plus its data, padded. */
export function entry(o: Parameters<typeof header>[0], data: Buffer | string = Buffer.alloc(0)): Buffer {
  const d = Buffer.from(data);
  return Buffer.concat([header({ size: d.length, ...o }), d, pad(d.length)]);
}

/** A PAX record "<len> key=value\n". */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

export const END = Buffer.alloc(1024);

/** A base-256 size field holding a negative number (as GNU tar writes for negative values). */
export function negativeSize(n: number): Buffer {
  const f = Buffer.alloc(12, 0xff);
  f.writeBigInt64BE(BigInt(n), 4);
  return f;
}

export interface Layer {
  /** The uncompressed tar. */
  tar: Buffer;
  /** What is stored (the tar, or its gzip). */
  stored?: Buffer;
}

function config(diffIds: string[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: {}, ...extra,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `layer ${i + 1}` })),
  }));
}

/**
 * A docker save archive (legacy names) of one image. `diffIds` may lie about the layers; `layerNames` may name
 * the same file several times.
 */
export function dockerArchive(layers: Layer[], o: { diffIds?: string[]; config?: Record<string, unknown>; configBytes?: Buffer; tag?: string; layerNames?: string[]; extra?: Buffer[] } = {}): Buffer {
  const diffIds = o.diffIds ?? layers.map((l) => sha(l.tar));
  const cfg = o.configBytes ?? config(diffIds, o.config);
  const cfgName = sha(cfg).slice(7) + '.json';
  const names = layers.map((l) => sha(l.stored ?? l.tar).slice(7) + '/layer.tar');
  const manifest = JSON.stringify([{ Config: cfgName, RepoTags: [o.tag ?? 'hostile/image:1'], Layers: o.layerNames ?? names }]);
  return Buffer.concat([
    ...layers.map((l, i) => entry({ name: names[i]! }, l.stored ?? l.tar)),
    entry({ name: cfgName }, cfg),
    ...(o.extra ?? []),
    entry({ name: 'manifest.json' }, manifest),
    END,
  ]);
}

/** An OCI layout directory of one image whose layers are stored as given (gzip media type when gzip). */
export function ociLayout(dir: string, layers: Layer[], o: { diffIds?: string[]; sizes?: number[]; index?: (manifestDesc: object) => Buffer | string } = {}): { manifest: string } {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer) => {
    const d = sha(b);
    writeFileSync(join(dir, 'blobs/sha256', d.slice(7)), b);
    return d;
  };
  const diffIds = o.diffIds ?? layers.map((l) => sha(l.tar));
  const cfg = config(diffIds);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(cfg), size: cfg.length },
    layers: layers.map((l, i) => {
      const b = l.stored ?? l.tar;
      const gz = b[0] === 0x1f && b[1] === 0x8b;
      return { mediaType: `application/vnd.oci.image.layer.v1.tar${gz ? '+gzip' : ''}`, digest: put(b), size: o.sizes?.[i] ?? b.length };
    }),
  }));
  const md = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: put(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': '1' } };
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), o.index ? o.index(md) : JSON.stringify({ schemaVersion: 2, manifests: [md] }));
  return { manifest: md.digest };
}

export const gz = (b: Buffer) => gzipSync(b, { level: 9 });

/** A small layer: one file. */
export function smallLayer(name = 'hello.txt', data = 'hello\n'): Layer {
  const tar = Buffer.concat([entry({ name }, data), END]);
  return { tar };
}
