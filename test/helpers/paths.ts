/**
 * Where tests find the project, its CLI, the optional go-containerregistry fixtures (only the extra conformance suite
 * test/conformance/ggcr-fixtures.test.ts reads them; the others use scripts/fixtures/generate.mjs) and a scratch folder.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (tests run from dist/test/...). */
export const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const CLI = join(ROOT, 'dist/src/cli/main.js');
export const EXAMPLES = join(ROOT, 'examples');
export const FIXTURES = process.env.STOWAGE_FIXTURES ?? resolve(ROOT, '../shared/fixtures/ggcr');

export function haveFixtures(): boolean {
  return existsSync(join(FIXTURES, 'hello-world-v25.tar'));
}

export const FIXTURES_SKIP = `go-containerregistry's test data is absent (${FIXTURES}): an optional extra conformance suite; set STOWAGE_FIXTURES to a copy of its testdata to run it (the project's own fixtures cover the rest)`;

/** A scratch directory removed when the process exits. */
export function scratch(prefix = 'stowage-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}
