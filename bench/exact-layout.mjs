// Helpers of bench/exact-apply.sh:
//   exact-layout.mjs DIR GZIPPER OUT VERSION LEVEL  an OCI layout of base.tar + appVERSION.tar, Go-gzip'd at LEVEL,
//                                                   with a Docker manifest; prints its digest
//   exact-layout.mjs strip IN OUT                   a patch delta without its recipes and manifests (today's)
//   exact-layout.mjs find BLOB                      findRecipe on a blob
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const sha = (b) => 'sha256:' + createHash('sha256').update(b).digest('hex');
const [cmd, ...args] = process.argv.slice(2);
if (cmd === 'strip') {
  const [from, to] = args;
  const b = readFileSync(from);
  const entries = [];
  for (let at = 0; at + 512 <= b.length;) {
    const h = b.subarray(at, at + 512);
    if (h.every((x) => x === 0)) break;
    const name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    const size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim(), 8);
    entries.push({ name, data: b.subarray(at + 512, at + 512 + size) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  const index = JSON.parse(entries[0].data);
  const drop = new Set(index.images.flatMap((i) => (i.manifest ? [i.manifest.digest.slice(7)] : [])));
  for (const i of index.images) delete i.manifest;
  for (const l of index.layers) delete l.blob;
  delete index.index;
  const { writeTar } = await import('../dist/test/helpers/archive.js');
  await writeTar(to, [{ name: entries[0].name, data: JSON.stringify(index, null, 2) + '\n' }, ...entries.slice(1).filter((e) => !drop.has(e.name.slice(-64)))]);
} else if (cmd === 'find') {
  const { findRecipe } = await import('../dist/src/compress/recipes/index.js');
  const r = await findRecipe(createReadStream(args[0]), sha(readFileSync(args[0])), args[0]);
  if (!r.recipe) throw new Error(r.reason);
} else {
  const [dir, gzipper, out, ver, level] = [cmd, ...args];
  mkdirSync(join(out, 'blobs/sha256'), { recursive: true });
  const put = (b) => { writeFileSync(join(out, 'blobs/sha256', sha(b).slice(7)), b); return sha(b); };
  const tars = [readFileSync(join(dir, 'base.tar')), readFileSync(join(dir, `app${ver}.tar`))];
  const blobs = tars.map((t) => execFileSync(gzipper, ['-level', level], { input: t, maxBuffer: 1 << 30 }));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: tars.map(sha) } }));
  const DM = 'application/vnd.docker.distribution.manifest.v2+json';
  const m = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: DM, config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: put(config) }, layers: blobs.map((b) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: b.length, digest: put(b) })) }));
  const d = put(m);
  writeFileSync(join(out, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(out, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: DM, digest: d, size: m.length, annotations: { 'org.opencontainers.image.ref.name': ver } }] }));
  console.log(d);
}
