/**
 * The old names of two builders, kept only for test/patch/signatures.test.ts, which another change is editing at the
 * same time: tars are made by build-layer.ts (`tarOf`, `writeTar`). Delete this file when that test moves over.
 */
import { files, tarOf } from './build-layer.js';

export { writeTar } from './build-layer.js';

/** A layer tar in memory holding the given files. */
export const layerTar = (record: Record<string, string>): Promise<Buffer> => tarOf(files(record));
