/** Recipes: making compressed blobs again byte for byte (see recipe.ts). */
export { type GnuGzipRecipe, type GoFlateRecipe, type Recipe, type RecipeWriter, GNU_GZIP_VERSIONS, GO_FLATE_VERSIONS, RECIPE_ENCODERS, describeRecipe, encodeByRecipe, parseRecipe, recipeWriter } from './recipe.js';
export { type GzipHeader, PGZIP_MTIME, readGzipHeader, recipeCandidates } from './candidates.js';
export { type RecipeFinding, type RecipeTrial, findRecipe } from './find-recipe.js';
export { reproduceBlob } from './reproduce.js';
export { type GoGzipOptions, GoGzipWriter, goGzip } from './go-flate/gzip-writer.js';
export { GnuGzipWriter, gnuGzip } from './gnu-gzip/gzip-writer.js';
