/** Recipes: making compressed blobs again byte for byte (see recipe.ts). */
export { type GnuGzipRecipe, type GoFlateRecipe, type PgzipRecipe, type Recipe, type ZlibRecipe, GNU_GZIP_VERSIONS, GO_FLATE_VERSIONS, PGZIP_LEVELS, PGZIP_VERSIONS, RECIPE_ENCODERS, ZLIB_VERSIONS, describeRecipe, parseRecipe } from './recipe.js';
export { type RecipeWriter, encodeByRecipe, recipeWriter } from './by-recipe.js';
export { type GzipHeader, PGZIP_MTIME, readGzipHeader, recipeCandidates } from './candidates.js';
export { type RecipeFinding, type RecipeTrial, findRecipe } from './find-recipe.js';
export { reproduceBlob } from './reproduce.js';
export { type GoGzipOptions, GoGzipWriter, goGzip } from './go-flate/gzip-writer.js';
export { Go127GzipWriter, go127Gzip } from './go-flate-127/gzip-writer.js';
export { GnuGzipWriter, gnuGzip, zlibGzip } from './gnu-gzip/gzip-writer.js';
export { type DeflateFlavor, GNU_GZIP_1_12, ZLIB_1_2_13 } from './gnu-gzip/flavor.js';
export { type KlauspostVersion, PgzipWriter, pgzip } from './pgzip/gzip-writer.js';
