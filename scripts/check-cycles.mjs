#!/usr/bin/env node
/**
 * Fails when a file of src/ imports a file that imports it back, directly or around a loop (issue 19: data flows one
 * way, and a cycle is where that stopped being true). Reads every .ts file's static imports with the TypeScript
 * parser (`import ... from`, `import type ... from`, `import '...'`, `export ... from`, `import x = require()`),
 * resolves the relative ones to files, finds the
 * strongly connected components of that graph (Tarjan's algorithm) and prints each component of more than one file,
 * or a file importing itself, as chains of files: for each file of the component the shortest loop through it.
 * Components held together by `import type` alone are listed apart: the compiler erases them, but the modules still
 * know each other's insides, so they count too. Dynamic `import()` is left out: it loads on first use, which is how
 * a module is meant to reach one above it.
 *
 *   node scripts/check-cycles.mjs [DIR]    DIR defaults to src/ of this project; exit 1 when there is a cycle
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  process.stderr.write(`check-cycles: ${message}\n`);
  process.exit(2);
}

/** Every .ts file under dir (declaration files are not modules anyone imports here). */
function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * The static imports of one file, read by the TypeScript parser (so comments, strings and regular expressions are
 * never mistaken for imports): [specifier, typeOnly]. `import { type A }` alone is type-only (the compiler drops it);
 * `import { type A, b }` loads the module, so it is a value import.
 */
function importsOf(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const typeOnly = !!clause && (clause.isTypeOnly ||
        (!clause.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      out.push([st.moduleSpecifier.text, typeOnly]);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const named = st.exportClause && ts.isNamedExports(st.exportClause) ? st.exportClause.elements : undefined;
      const typeOnly = st.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly));
      out.push([st.moduleSpecifier.text, typeOnly]);
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) &&
        ts.isStringLiteral(st.moduleReference.expression)) {
      out.push([st.moduleReference.expression.text, st.isTypeOnly]);
    }
  }
  return out;
}

/** A relative specifier as the file it names: NodeNext writes `./x.js` for `./x.ts`. */
function resolveImport(from, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return undefined;
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.(m?js)$/, (e) => (e === '.mjs' ? '.mts' : '.ts')), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => c.endsWith('.ts') && existsSync(c) && statSync(c).isFile());
}

/** Tarjan's strongly connected components, iterative (no recursion limit on a deep chain). */
function components(nodes, edges) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work = [[root, 0]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1];
      const [v, k] = frame;
      const succ = [...(edges.get(v) ?? [])];
      if (k < succ.length) {
        frame[1]++;
        const w = succ[k];
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        out.push(comp.sort());
      }
    }
  }
  return out;
}

/** The shortest loop from `start` back to itself inside `members` (breadth first). */
function shortestLoop(start, members, edges) {
  const prev = new Map();
  const queue = [start];
  const seen = new Set([start]);
  while (queue.length) {
    const v = queue.shift();
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0]));
        return [...path, start];
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return undefined;
}

/** The same loop read from another file is the same loop: keyed by its rotation that starts at its least file. */
function loopKey(loop) {
  const ring = loop.slice(0, -1);
  const least = ring.indexOf([...ring].sort()[0]);
  return [...ring.slice(least), ...ring.slice(0, least)].join(' ');
}

function knots(nodes, edges) {
  return components(nodes, edges).filter((c) => c.length > 1 || edges.get(c[0])?.has(c[0]));
}

function main() {
  const args = process.argv.slice(2);
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) fail('usage: node scripts/check-cycles.mjs [DIR]');
  const dir = resolve(args[0] ?? join(ROOT, 'src'));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`${args[0] ?? dir}: not a directory`);
  const files = tsFiles(dir);
  const all = new Map(); // every static import
  const values = new Map(); // imports that are not `import type` / `export type`
  for (const f of files) {
    all.set(f, new Set());
    values.set(f, new Set());
    for (const [spec, typeOnly] of importsOf(f, readFileSync(f, 'utf8'))) {
      const to = resolveImport(f, spec);
      if (!to) continue;
      all.get(f).add(to);
      if (!typeOnly) values.get(f).add(to);
    }
  }
  const show = (f) => relative(process.cwd(), f) || f;
  const valueKnots = knots(files, values);
  const inValueKnot = new Set(valueKnots.flat());
  // Knots of the whole graph that are no knot without the type imports (or are bigger with them).
  const typeKnots = knots(files, all).filter((c) => c.some((f) => !inValueKnot.has(f)));
  const typeEdge = (a, b) => !values.get(a).has(b);
  const printed = new Set();
  const report = (comp, edges, label) => {
    const members = new Set(comp);
    const loops = new Map();
    for (const f of comp) {
      const loop = shortestLoop(f, members, edges);
      if (loop && !printed.has(loopKey(loop)) && !loops.has(loopKey(loop))) loops.set(loopKey(loop), loop);
    }
    process.stdout.write(`${label} (${comp.length} file${comp.length === 1 ? '' : 's'}: ${comp.map(show).join(', ')}):\n`);
    for (const [key, loop] of loops) {
      printed.add(key);
      // A link that is an `import type` only is drawn -(type)->.
      const chain = loop.map((f, i) => (i === 0 ? show(f) : `${typeEdge(loop[i - 1], f) ? '-(type)->' : '->'} ${show(f)}`));
      process.stdout.write(`  ${chain.join(' ')}\n`);
    }
  };
  let n = 0;
  for (const c of valueKnots) report(c, values, `cycle ${++n}`);
  for (const c of typeKnots) report(c, all, `cycle ${++n}, through type imports`);
  const where = show(dir);
  if (n === 0) {
    process.stdout.write(`check-cycles: no import cycles among the ${files.length} files of ${where}\n`);
    return;
  }
  process.stdout.write(`check-cycles: ${n} import cycle${n === 1 ? '' : 's'} among the ${files.length} files of ${where} (${valueKnots.length} of value imports, ${typeKnots.length} through type imports)\n`);
  process.exit(1);
}

main();
