/**
 * The encoders behind each recipe (recipe.ts says what a recipe is). Kept apart from the recipe's parsing so a
 * command that only reads or describes recipes (apply without gzip'd layers, inspect) does not load every encoder.
 */
import type { Recipe } from './recipe.js';
import { GoGzipWriter, goGzip } from './go-flate/gzip-writer.js';
import { Go127GzipWriter, go127Gzip } from './go-flate-127/gzip-writer.js';
import { ZLIB_1_2_13 } from './gnu-gzip/flavor.js';
import { GnuGzipWriter, gnuGzip, zlibGzip } from './gnu-gzip/gzip-writer.js';
import { PgzipWriter, pgzip } from './pgzip/gzip-writer.js';

/** A synchronous encoder by recipe: compressed bytes go to `emit` as they are made. */
export interface RecipeWriter {
  write(data: Uint8Array): void;
  end(): void;
}

export function recipeWriter(r: Recipe, emit: (bytes: Uint8Array) => void): RecipeWriter {
  if (r.encoder === 'gnu-gzip') return new GnuGzipWriter(r.level, emit);
  if (r.encoder === 'zlib') return new GnuGzipWriter(r.level, emit, ZLIB_1_2_13);
  if (r.encoder === 'pgzip') return new PgzipWriter(r.version, emit);
  if (r.version === '1.27') return new Go127GzipWriter(r.level, emit);
  return new GoGzipWriter(r.level, emit);
}

/** Yields `input` compressed by the recipe. */
export function encodeByRecipe(r: Recipe, input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  if (r.encoder === 'gnu-gzip') return gnuGzip(input, r.level);
  if (r.encoder === 'zlib') return zlibGzip(input, r.level);
  if (r.encoder === 'pgzip') return pgzip(input, r.version);
  if (r.version === '1.27') return go127Gzip(input, r.level);
  return goGzip(input, r.level);
}
