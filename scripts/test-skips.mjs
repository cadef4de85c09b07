// Preloaded into every test file by run-tests.mjs (--import). node:test does not run the body of a skipped suite,
// so the tests in it are never reported, and a run that skipped 59 tests said "5 skipped". Here a skipped suite is
// declared as a normal one whose tests are each skipped with the suite's reason, and whose hooks do nothing: every
// test that did not run is counted, by node's own summary and by ours. Only the suite's body runs (it declares the
// tests); nothing a hook or a test does is run.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
const t = require('node:test');
const real = { describe: t.describe, it: t.it, before: t.before, after: t.after, beforeEach: t.beforeEach, afterEach: t.afterEach };
const HOOKS = ['before', 'after', 'beforeEach', 'afterEach'];

function split(a, b, c) {
  if (typeof a === 'function') return [a.name, {}, a];
  if (typeof b === 'function') return [a, {}, b];
  return [a, b ?? {}, c];
}

let skipping; // the reason of the skipped suite whose body is being declared

// Hooks are wrapped once, before any test file loads (the ESM bindings of node:test follow only changes made then).
const hooks = Object.fromEntries(HOOKS.map((h) => [h, (...a) => (skipping === undefined ? real[h](...a) : undefined)]));

function describe(...a) {
  const [name, opts, fn] = split(...a);
  const reason = skipping ?? opts.skip;
  if (!reason || typeof fn !== 'function') return real.describe(name, opts, fn);
  return real.describe(name, { ...opts, skip: false }, (...args) => {
    const outer = skipping;
    skipping = reason === true ? 'its suite is skipped' : reason;
    try {
      return fn(...args);
    } finally {
      skipping = outer;
    }
  });
}

function it(...a) {
  const [name, opts, fn] = split(...a);
  return real.it(name, skipping ? { ...opts, skip: skipping } : opts, fn);
}

for (const k of ['skip', 'only', 'todo']) {
  describe[k] = real.describe[k];
  it[k] = real.it[k];
}
Object.assign(t, { describe, suite: describe, it, test: it, ...hooks });
syncBuiltinESMExports();
