/**
 * The one table of transports and the one module of output options (issue 12): every command that writes an image
 * takes the same names, applies the same default format to a bare path, and refuses the same flag mistakes in the
 * same words. Runs with no peer (the example archives only).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDestSpec } from '../../src/transports/dest.js';
import { parseSourceSpec } from '../../src/transports/spec.js';
import { TRANSPORTS, accepts, defaultDestKind, kindForFormat } from '../../src/transports/table.js';
import { json, oneLineError, stowage, stowagePiped } from '../helpers/cli.js';
import { EXAMPLES, scratch } from '../helpers/paths.js';

const APP1 = join(EXAMPLES, 'app-1.tar');
const APP2 = join(EXAMPLES, 'app-2.tar');

/** Names the tar members of an archive (tar(1), not stowage). */
const members = (file: string) => execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
/** What a written output is, told by its files: an OCI layout directory, an OCI archive or a docker archive. */
function formatOf(path: string): string {
  if (statSync(path).isDirectory()) return existsSync(join(path, 'oci-layout')) && !existsSync(join(path, 'manifest.json')) ? 'oci' : 'other dir';
  const m = members(path);
  if (m.includes('manifest.json')) return 'docker-archive';
  if (m.includes('oci-layout')) return 'oci-archive';
  return 'other file';
}

describe('transports: one table of names', () => {
  it('every prefix parses to its transport as a source and as a destination', () => {
    for (const e of TRANSPORTS) {
      if (!e.prefix) continue;
      const text = `${e.prefix}${e.namesReference ? 'registry.example.com/app:1' : 'some/where'}`;
      assert.equal(parseSourceSpec(text).transport, e.transport, text);
      if (e.dest) assert.equal(parseDestSpec(text).kind, e.transport, text);
    }
    assert.equal(parseSourceSpec('-').transport, 'stdin');
    assert.equal(parseSourceSpec('plain.tar').transport, 'auto');
  });

  it('--format names and what destinations accept', () => {
    assert.equal(kindForFormat('docker'), 'docker-archive');
    assert.equal(kindForFormat('docker-archive'), 'docker-archive');
    assert.equal(kindForFormat('oci'), 'oci');
    assert.equal(kindForFormat('oci-archive'), 'oci-archive');
    assert.equal(kindForFormat('registry'), undefined);
    // Thin images go only where an engine can fill in the layers left out.
    const thin = TRANSPORTS.filter((e) => e.dest?.accepts.thin).map((e) => e.transport).sort();
    assert.deepEqual(thin, ['docker-archive', 'docker-daemon']);
    assert.equal(accepts({ kind: 'docker' }).compresses, true);
    assert.equal(accepts({ kind: 'oci' }).addsEntries, true);
  });

  it('one default format for a bare path', () => {
    assert.equal(defaultDestKind('oci-layout', 'out'), 'oci');
    assert.equal(defaultDestKind('oci-layout', 'out.tar'), 'oci-archive');
    assert.equal(defaultDestKind('oci-archive', 'out'), 'oci-archive');
    assert.equal(defaultDestKind('docker-archive', 'out'), 'docker-archive');
    assert.equal(defaultDestKind('registry', 'out'), 'docker-archive');
    assert.equal(defaultDestKind('oci-layout', 'out', true), 'docker-archive');
  });
});

describe('output options: the same rule and the same words in every command', () => {
  let dir: string;
  let layout: string;
  before(() => {
    dir = scratch('stowage-output-options-');
    layout = join(dir, 'layout');
    assert.equal(stowage(['copy', APP1, `oci:${layout}:v1`]).status, 0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // An OCI layout source and a bare output path: copy, edit and squash all write the same format.
  const cases: [string, string[], string][] = [
    ['a name ending in .tar is an OCI archive', ['x.tar'], 'oci-archive'],
    ['another name is an OCI layout directory', ['xdir'], 'oci'],
    ['--layout asks for a docker archive', ['y.tar', '--layout', 'oci'], 'docker-archive'],
    ['--format wins', ['z.tar', '--format', 'docker'], 'docker-archive'],
  ];
  for (const [what, [out, ...flags], want] of cases) {
    it(`${what}: copy, edit and squash agree`, () => {
      for (const cmd of ['copy', 'edit', 'squash']) {
        const sub = join(dir, cmd);
        mkdirSync(sub, { recursive: true });
        const args = cmd === 'copy' ? ['copy', `oci:${layout}:v1`, out!, ...flags]
          : cmd === 'edit' ? ['edit', `oci:${layout}:v1`, '-o', out!, '--label', 'a=b', ...flags]
          : ['squash', `oci:${layout}:v1`, '-o', out!, ...flags];
        const r = stowage(args, { cwd: sub });
        assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(formatOf(join(sub, out!)), want, args.join(' '));
        rmSync(join(sub, out!), { recursive: true, force: true });
      }
    });
  }

  const mistakes: [string, string[], RegExp][] = [
    ['--layout', ['--layout', 'new'], /^stowage: --layout must be legacy or oci, not "new"$/],
    ['--format', ['--format', 'zip'], /^stowage: --format must be docker, oci or oci-archive, not "zip"$/],
    ['--json with -o -', ['--json', '-o', '-'], /^stowage: --json prints to standard output, which -o - uses for the archive$/],
  ];
  for (const [what, flags, re] of mistakes) {
    it(`exit 2, one message: ${what} in edit, squash and import`, () => {
      for (const args of [['edit', APP1, '-o', 'o.tar', '--label', 'a=b'], ['squash', APP1, '-o', 'o.tar'], ['import', APP1, '-o', 'o.tar']]) {
        // The later -o wins (commander), so '-o -' in the flags replaces 'o.tar'.
        const r = stowage([...args, ...flags], { cwd: dir });
        assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
        assert.match(oneLineError(r), re, args[0]);
      }
      assert.ok(!existsSync(join(dir, 'o.tar')));
    });
  }

  it('--layout is checked in the same words by copy, apply and delta', () => {
    for (const args of [['copy', APP1, 'o.tar'], ['apply', APP2, '--base', APP1, '-o', 'o.tar'], ['delta', APP2, '--base', APP1, '-o', 'o.tar']]) {
      const r = stowage([...args, '--layout', 'v2'], { cwd: dir });
      assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
      assert.match(oneLineError(r), /^stowage: --layout must be legacy or oci, not "v2"$/, args[0]);
    }
  });
});

describe('docker-archive: one manifest.json grammar for the reader and the streamed delta', () => {
  let dir: string;
  before(() => {
    dir = scratch('stowage-grammar-');
    // app-2 with a number among its RepoTags: both readers must refuse it, in the same words.
    execFileSync('tar', ['-xf', APP2, '-C', dir]);
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { RepoTags: unknown[] }[];
    m[0]!.RepoTags = [...m[0]!.RepoTags, 7];
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    const files = readdirNames(dir);
    execFileSync('tar', ['-cf', join(dir, '..', `${dir.split('/').pop()}-bad.tar`), '-C', dir, ...files]);
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', `${dir.split('/').pop()}-bad.tar`), { force: true });
  });

  it('a non-string tag is refused by inspect, by delta on a file and by delta on a stream', async () => {
    const bad = join(dir, '..', `${dir.split('/').pop()}-bad.tar`);
    const inspect = stowage(['inspect', bad]);
    assert.equal(inspect.status, 1, inspect.stderr);
    assert.match(oneLineError(inspect), /manifest\.json\[0\]\.RepoTags: expected strings/);
    const file = stowage(['delta', bad, '--base', APP1, '-o', join(dir, 'd1.tar')]);
    assert.equal(file.status, 1, file.stderr);
    assert.match(oneLineError(file), /manifest\.json\[0\]\.RepoTags: expected strings/);
    const streamed = await stowagePiped(['delta', '-', '--base', APP1, '-o', join(dir, 'd2.tar')], bad);
    assert.equal(streamed.status, 1, streamed.stderr);
    assert.match(oneLineError(streamed), /standard input: manifest\.json\[0\]\.RepoTags: expected strings/);
    assert.ok(!existsSync(join(dir, 'd1.tar')) && !existsSync(join(dir, 'd2.tar')));
    // The good archive still goes through the stream, as before.
    const good = await stowagePiped(['delta', '-', '--base', APP1, '-o', join(dir, 'd3.tar'), '--json'], APP2);
    assert.equal(good.status, 0, good.stderr);
    assert.equal(json<{ included: { layers: number } }>(good).included.layers, 1);
  });
});

function readdirNames(d: string): string[] {
  return execFileSync('ls', ['-A', d], { encoding: 'utf8' }).split('\n').filter(Boolean);
}
