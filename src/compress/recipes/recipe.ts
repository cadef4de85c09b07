/**
 * A recipe: how a compressed blob can be made again, byte for byte, from its uncompressed bytes. It is a small
 * JSON value, recorded beside a layer (a patch delta will carry it), so it is checked like any input: an unknown
 * encoder or a parameter out of range is a one-line error naming where the recipe came from.
 *
 *   { "encoder": "go-flate", "version": "1.8-1.26", "level": 6 }
 *
 * go-flate: Go's compress/gzip at `level` (1-9) as Go 1.8 to 1.26 write it, header mtime 0, no name (moby's
 * `docker push`, containerd and BuildKit use level 6; go-containerregistry, so crane, ko and kaniko, level 1).
 * Version "1.27": Go 1.27's new compress/flate (every level writes other bytes than 1.26; same gzip header).
 *
 *   { "encoder": "gnu-gzip", "version": "1.12", "level": 9 }
 *
 * gnu-gzip: GNU gzip 1.12's `gzip -LEVEL -n` of a file (no name, mtime 0, OS 3): Debian's dh_compress runs
 * `gzip -9n` on the changelogs, man pages and docs of every package, so the .gz files inside Debian layers are these.
 *
 *   { "encoder": "zlib", "version": "1.2.13", "level": 6 }
 *
 * zlib: vanilla zlib 1.2.13's gzip stream (deflateInit2 with windowBits 31, memLevel 8, default strategy, no gzip
 * header given: mtime 0, OS 3), as Python's zlib, Java's java.util.zip and libarchive on a system libz make it.
 *
 *   { "encoder": "pgzip", "version": "1.20.0", "level": 5 }
 *
 * pgzip: klauspost's pgzip 1.2.6 at its default level (klauspost/compress flate level 5, 1 MiB blocks), as
 * containers/image writes layers (podman, buildah, skopeo); the version is klauspost/compress's, which decides the
 * bytes (1.20.0: podman 5.8.6 in Debian forky; 1.18.1: skopeo 1.22.0 there).
 */
import { StowageError } from '../../errors.js';

export const GO_FLATE_VERSIONS = ['1.8-1.26', '1.27'] as const;
export const GNU_GZIP_VERSIONS = ['1.12'] as const;
export const ZLIB_VERSIONS = ['1.2.13'] as const;
export const PGZIP_VERSIONS = ['1.20.0', '1.18.1'] as const;
/** pgzip is reproduced at its default level only (what containers/image uses unless told a level). */
export const PGZIP_LEVELS = [5] as const;
export const RECIPE_ENCODERS = ['go-flate', 'gnu-gzip', 'zlib', 'pgzip'] as const;

export interface GoFlateRecipe {
  encoder: 'go-flate';
  version: (typeof GO_FLATE_VERSIONS)[number];
  level: number;
}

export interface GnuGzipRecipe {
  encoder: 'gnu-gzip';
  version: (typeof GNU_GZIP_VERSIONS)[number];
  level: number;
}

export interface ZlibRecipe {
  encoder: 'zlib';
  version: (typeof ZLIB_VERSIONS)[number];
  level: number;
}

export interface PgzipRecipe {
  encoder: 'pgzip';
  /** klauspost/compress's version (pgzip itself is 1.2.6). */
  version: (typeof PGZIP_VERSIONS)[number];
  level: (typeof PGZIP_LEVELS)[number];
}

export type Recipe = GoFlateRecipe | GnuGzipRecipe | ZlibRecipe | PgzipRecipe;

/** Checks a recipe read from outside (`what` names where it came from) and returns it in canonical form. */
export function parseRecipe(value: unknown, what: string): Recipe {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StowageError(`${what}: a recipe must be an object like {"encoder":"go-flate","version":"1.8-1.26","level":6}`);
  }
  const v = value as Record<string, unknown>;
  const encoder = v.encoder;
  if (encoder !== 'go-flate' && encoder !== 'gnu-gzip' && encoder !== 'zlib' && encoder !== 'pgzip') {
    throw new StowageError(`${what}: unknown recipe encoder ${short(encoder)} (known: ${RECIPE_ENCODERS.join(', ')})`);
  }
  const extra = Object.keys(v).filter((k) => !['encoder', 'version', 'level'].includes(k));
  if (extra.length) throw new StowageError(`${what}: ${encoder} recipe has unknown field ${short(extra[0])}`);
  const versions: readonly string[] = encoder === 'go-flate' ? GO_FLATE_VERSIONS : encoder === 'gnu-gzip' ? GNU_GZIP_VERSIONS : encoder === 'pgzip' ? PGZIP_VERSIONS : ZLIB_VERSIONS;
  if (!versions.includes(v.version as never)) {
    throw new StowageError(`${what}: ${encoder} recipe version ${short(v.version)} is not one stowage reproduces (known: ${versions.join(', ')})`);
  }
  if (typeof v.level !== 'number' || !Number.isInteger(v.level) || v.level < 1 || v.level > 9) {
    throw new StowageError(`${what}: ${encoder} recipe level ${short(v.level)} is out of range (1 to 9)`);
  }
  if (encoder === 'pgzip') {
    if (!PGZIP_LEVELS.includes(v.level as never)) throw new StowageError(`${what}: pgzip recipe level ${v.level} is not one stowage reproduces (known: ${PGZIP_LEVELS.join(', ')})`);
    return { encoder, version: v.version as PgzipRecipe['version'], level: v.level as PgzipRecipe['level'] };
  }
  if (encoder === 'go-flate') return { encoder, version: v.version as GoFlateRecipe['version'], level: v.level };
  if (encoder === 'gnu-gzip') return { encoder, version: v.version as GnuGzipRecipe['version'], level: v.level };
  return { encoder, version: v.version as ZlibRecipe['version'], level: v.level };
}

/** One line for reports: "go-flate 1.8-1.26 level 6". */
export function describeRecipe(r: Recipe): string {
  return `${r.encoder} ${r.version} level ${r.level}`;
}

function short(x: unknown): string {
  const s = typeof x === 'string' ? JSON.stringify(x) : x === undefined ? 'missing' : JSON.stringify(x) ?? String(x);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
