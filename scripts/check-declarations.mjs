#!/usr/bin/env node
/**
 * Fails when a test file does work while its tests are declared: at its top level or in a describe() body, outside
 * hooks and tests. scripts/test-skips.mjs runs a skipped suite's body to count its tests, so work there runs even when
 * nothing is tested (a CLI run, a file written, megabytes of input made). Reads every *.test.ts under DIR with the
 * TypeScript parser and reports each statement that is not an import, a declaration (function, type, class), a call
 * of it/test/describe/before/after/beforeEach/afterEach, a loop or `if` around those, a `return`, or a variable whose
 * initializer calls nothing but what names things or probes for a peer (PROBES below: paths, scratch folders, a
 * random tag, `haveCommand`, an import in a `try` that says whether a peer library is there).
 *
 *   node scripts/check-declarations.mjs [DIR]    DIR defaults to test/; exit 1 when something does work
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HOOKS = new Set(['it', 'test', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach']);

/** What a declaration may call: it names a path, a folder, a tag, or asks whether a peer is there (the skip). */
const PROBES = new Set([
  'join', 'resolve', 'dirname', 'basename', 'fileURLToPath', 'scratch', 'mkdtempSync', 'tmpdir', 'p', 't', 'out',
  'randomBytes', 'toString', 'repeat', 'slice', 'replace', 'includes', 'startsWith', 'name', 'map', 'filter', 'padStart',
  'String', 'Number', 'Boolean', 'RegExp', 'Symbol', 'Set', 'Map', 'Array.from', 'Object.entries', 'Object.fromEntries',
  'JSON.stringify', 'Math.floor', 'Math.max', 'Math.min', 'Buffer.from', 'Buffer.alloc',
  'haveCommand', 'haveDocker', 'haveFixtures', 'skipUnless', 'existsSync', 'canUnshare', 'process.getuid', 'dockerEnv',
  'loadNative', 'chainIds', 'require.resolve', 'forkySkip', 'unshareTmpfs', 'zlibVersion', 'forkyScratch', 'URL', 'split',
  'Buffer.concat',
  // Producer tables (exact-producers, exact-zstd): each call builds a producer's name, skip and closures; nothing runs.
  'enginePush', 'buildkitPush', 'skopeoPush', 'DOCKER28',
]);

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const nameOf = (e) => (ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? `${nameOf(e.expression)}.${e.name.text}` : '(expression)');
/** The last part of a callee (`a.b.c` -> `c`) and the whole of it, either of which may be a probe. */
const isProbe = (n) => PROBES.has(n) || PROBES.has(n.slice(n.lastIndexOf('.') + 1));

/** The calls an expression makes now (not those inside functions it only defines). */
function callsIn(node, out = []) {
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return out;
  if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
    const n = nameOf(node.expression);
    if (!isProbe(n)) out.push(n);
  }
  if (ts.isAwaitExpression(node)) out.push('await');
  ts.forEachChild(node, (c) => { callsIn(c, out); }); // (a block body: forEachChild stops at a truthy return)
  return out;
}

function check(statements, sf, found) {
  const at = (s) => sf.getLineAndCharacterOfPosition(s.getStart(sf)).line + 1;
  for (const s of statements) {
    if (ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)
      || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isReturnStatement(s) || ts.isEmptyStatement(s)) continue;
    if (ts.isExpressionStatement(s) && ts.isCallExpression(s.expression) && HOOKS.has(nameOf(s.expression.expression).split('.')[0])) {
      const call = s.expression;
      const n = nameOf(call.expression);
      if (n.startsWith('describe') || n.startsWith('suite')) {
        const body = call.arguments.find((a) => ts.isArrowFunction(a) || ts.isFunctionExpression(a));
        if (body && ts.isBlock(body.body)) check(body.body.statements, sf, found);
      }
      const calls = call.arguments.flatMap((a) => callsIn(a));
      if (calls.length) found(at(s), `${n}() is given what ${[...new Set(calls)].join(', ')} computes`);
      continue;
    }
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) {
        const calls = d.initializer ? callsIn(d.initializer) : [];
        if (calls.length) found(at(s), `${d.name.getText(sf)} is computed by ${[...new Set(calls)].join(', ')}`);
      }
      continue;
    }
    if (ts.isForOfStatement(s) || ts.isForInStatement(s) || ts.isForStatement(s) || ts.isIfStatement(s) || ts.isBlock(s)) {
      const head = ts.isForOfStatement(s) || ts.isForInStatement(s) || ts.isIfStatement(s) ? callsIn(s.expression) : [];
      if (head.length) found(at(s), `a loop or if over what ${[...new Set(head)].join(', ')} computes`);
      const inner = ts.isBlock(s) ? [...s.statements] : ts.isIfStatement(s) ? [s.thenStatement, ...(s.elseStatement ? [s.elseStatement] : [])] : [s.statement];
      check(inner.flatMap((x) => (ts.isBlock(x) ? [...x.statements] : [x])), sf, found);
      continue;
    }
    // A peer library probed for by importing it: `try { x = await import('...') } catch { x = undefined }`.
    if (ts.isTryStatement(s) && s.tryBlock.statements.every((x) => ts.isExpressionStatement(x) && /^\w+ = await import\(/.test(x.getText(sf)))) continue;
    found(at(s), `runs ${s.getText(sf).split('\n')[0].slice(0, 80)}`);
  }
}

const dir = resolve(process.argv[2] ?? join(ROOT, 'test'));
let count = 0;
for (const f of testFiles(dir)) {
  const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, true);
  check(sf.statements, sf, (line, what) => {
    count++;
    process.stdout.write(`${relative(process.cwd(), f)}:${line}: ${what} while its tests are declared (do it in a hook or a test)\n`);
  });
}
if (count) process.exit(1);
