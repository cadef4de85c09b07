/**
 * A recipe: how a compressed blob can be made again, byte for byte, from its uncompressed bytes. It is a small
 * JSON value, recorded beside a layer (a patch delta will carry it), so it is checked like any input: an unknown
 * encoder or a parameter out of range is a one-line error naming where the recipe came from.
 *
 *   { "encoder": "go-flate", "version": "1.8-1.26", "level": 6 }
 *
 * go-flate: Go's compress/gzip at `level` (1-9) as Go 1.8 to 1.26 write it, header mtime 0, no name (moby's
 * `docker push`, containerd and BuildKit use level 6; go-containerregistry, so crane, ko and kaniko, level 1).
 */
import { StowageError } from '../../errors.js';
import { GoGzipWriter, goGzip } from './go-flate/gzip-writer.js';

export const GO_FLATE_VERSIONS = ['1.8-1.26'] as const;

export interface GoFlateRecipe {
  encoder: 'go-flate';
  version: (typeof GO_FLATE_VERSIONS)[number];
  level: number;
}

export type Recipe = GoFlateRecipe;

/** A synchronous encoder by recipe: compressed bytes go to `emit` as they are made. */
export interface RecipeWriter {
  write(data: Uint8Array): void;
  end(): void;
}

/** Checks a recipe read from outside (`what` names where it came from) and returns it in canonical form. */
export function parseRecipe(value: unknown, what: string): Recipe {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StowageError(`${what}: a recipe must be an object like {"encoder":"go-flate","version":"1.8-1.26","level":6}`);
  }
  const v = value as Record<string, unknown>;
  const encoder = v.encoder;
  if (encoder !== 'go-flate') {
    throw new StowageError(`${what}: unknown recipe encoder ${short(encoder)} (known: go-flate)`);
  }
  const extra = Object.keys(v).filter((k) => !['encoder', 'version', 'level'].includes(k));
  if (extra.length) throw new StowageError(`${what}: go-flate recipe has unknown field ${short(extra[0])}`);
  if (!GO_FLATE_VERSIONS.includes(v.version as never)) {
    throw new StowageError(`${what}: go-flate recipe version ${short(v.version)} is not one stowage reproduces (known: ${GO_FLATE_VERSIONS.join(', ')})`);
  }
  if (typeof v.level !== 'number' || !Number.isInteger(v.level) || v.level < 1 || v.level > 9) {
    throw new StowageError(`${what}: go-flate recipe level ${short(v.level)} is out of range (1 to 9)`);
  }
  return { encoder: 'go-flate', version: v.version as GoFlateRecipe['version'], level: v.level };
}

/** One line for reports: "go-flate 1.8-1.26 level 6". */
export function describeRecipe(r: Recipe): string {
  return `${r.encoder} ${r.version} level ${r.level}`;
}

export function recipeWriter(r: Recipe, emit: (bytes: Uint8Array) => void): RecipeWriter {
  return new GoGzipWriter(r.level, emit);
}

/** Yields `input` compressed by the recipe. */
export function encodeByRecipe(r: Recipe, input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  return goGzip(input, r.level);
}

function short(x: unknown): string {
  const s = typeof x === 'string' ? JSON.stringify(x) : x === undefined ? 'missing' : JSON.stringify(x) ?? String(x);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
