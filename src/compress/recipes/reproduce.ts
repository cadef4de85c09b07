/**
 * Making a blob again by its recipe, proved: the output is hashed as it is made and, at the end, must be the digest
 * the blob is known by, or the stream fails with one line. A caller writing it through openOutput therefore never
 * leaves a wrong blob under its final name.
 */
import { createHash } from 'node:crypto';
import { StowageError } from '../../errors.js';
import { type Recipe, describeRecipe } from './recipe.js';
import { encodeByRecipe } from './by-recipe.js';

export async function* reproduceBlob(recipe: Recipe, uncompressed: AsyncIterable<Uint8Array>, digest: string, what: string): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of encodeByRecipe(recipe, uncompressed)) {
    hash.update(chunk);
    size += chunk.length;
    yield chunk;
  }
  const got = `sha256:${hash.digest('hex')}`;
  if (got !== digest) {
    throw new StowageError(`${what}: ${describeRecipe(recipe)} makes ${got} (${size} bytes), not ${digest}: the recipe does not reproduce this blob`);
  }
}
