/** Recipes: making compressed blobs again byte for byte (see recipe.ts). */
export { type GoFlateRecipe, type Recipe, type RecipeWriter, GO_FLATE_VERSIONS, describeRecipe, encodeByRecipe, parseRecipe, recipeWriter } from './recipe.js';
export { type GzipHeader, PGZIP_MTIME, readGzipHeader, recipeCandidates } from './candidates.js';
export { type RecipeFinding, type RecipeTrial, findRecipe } from './find-recipe.js';
export { reproduceBlob } from './reproduce.js';
export { type GoGzipOptions, GoGzipWriter, goGzip } from './go-flate/gzip-writer.js';
