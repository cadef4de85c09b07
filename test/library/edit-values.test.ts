/**
 * The edit values are checked by the library, not only by the CLI: a library caller building a request from values
 * (`editRequest`) or handing typed changes to the editor (`applyConfigChanges`) hears the same one line the CLI
 * prints for the same value, and the library reads no $SOURCE_DATE_EPOCH (the CLI does, and passes it as `now`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyConfigChanges, applyAnnotationChanges, editRequest, EDIT_FIELDS, openSource, pickOne, planEdit, UsageError,
  type ConfigChange, type EditValues,
} from '../../src/index.js';
import { stowage } from '../helpers/cli.js';
import { fixtures } from '../helpers/fixtures.js';

/** The message a call throws (it must throw a UsageError, exit status 2). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UsageError, `a UsageError, not ${String(e)}`);
    assert.equal(e.exitCode, 2);
    return e.message;
  }
  assert.fail('accepted');
}

/** What `stowage edit` prints for the same flags (the source is never opened: the values are checked first). */
function cliRefusal(args: string[]): string {
  const r = stowage(['edit', 'no-such-source.tar', '--dry-run', ...args]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  return lines[0]!.replace(/^stowage: /, '');
}

const BAD: [EditValues, string[]][] = [
  [{ expose: ['70000'] }, ['--expose', '70000']],
  [{ expose: ['80/http'] }, ['--expose', '80/http']],
  [{ stopSignal: 'SIGFOO' }, ['--stop-signal', 'SIGFOO']],
  [{ created: 'yesterday' }, ['--created', 'yesterday']],
  [{ volume: ['data'] }, ['--volume', 'data']],
  [{ workdir: 'rel' }, ['--workdir', 'rel']],
  [{ env: ['NOEQUALS'] }, ['--env', 'NOEQUALS']],
  [{ entrypoint: '["/a", 1]' }, ['--entrypoint', '["/a", 1]']],
  [{ cmd: 'x', clearCmd: true }, ['--cmd', 'x', '--clear-cmd']],
  [{ tag: ['Bad:Tag'] }, ['--tag', 'Bad:Tag']],
  [{ setPlatform: 'linux' }, ['--set-platform', 'linux']],
  [{ annotation: ['=v'] }, ['--annotation', '=v']],
];

describe('library: edit values checked as the CLI checks them', () => {
  it('editRequest refuses a bad value with the one line the CLI prints', () => {
    for (const [values, args] of BAD) {
      const lib = refusal(() => editRequest(values));
      assert.equal(lib, cliRefusal(args), args.join(' '));
      assert.ok(!lib.includes('\n'), lib);
    }
  });

  it('a typed change is checked by the editor itself, in the same words', () => {
    const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
    const cases: [ConfigChange, string][] = [
      [{ kind: 'expose', port: '0/tcp' }, '--expose "0/tcp": port 0 is outside 1-65535'],
      [{ kind: 'stop-signal', value: 'SIGFOO' }, '--stop-signal "SIGFOO": not a signal (give a name such as SIGTERM or TERM, or a number 1-64)'],
      [{ kind: 'volume', path: 'data' }, '--volume "data": a volume must be an absolute path'],
      [{ kind: 'created', value: '2024-13-01T00:00:00Z' }, '--created "2024-13-01T00:00:00Z": expected an RFC 3339 time such as 2024-05-01T12:00:00Z, @UNIXSECONDS, or now'],
      [{ kind: 'entrypoint', value: { shell: ' ' } }, '--entrypoint: empty; use --clear-entrypoint to remove it'],
    ];
    for (const [ch, msg] of cases) assert.equal(refusal(() => applyConfigChanges(config, [ch])), msg);
    // The messages for the same value typed on the command line.
    assert.equal(cliRefusal(['--expose', '0']), '--expose "0": port 0 is outside 1-65535');
    assert.equal(refusal(() => applyConfigChanges(config, [{ kind: 'bogus' } as unknown as ConfigChange])).split(' (')[0], 'unknown config change "bogus"');
    assert.equal(refusal(() => applyAnnotationChanges({}, [{ kind: 'annotation', key: 'a b', value: 'x' }])), '--annotation "a b=x": the key contains white space');
    // What the checks accept, the editor applies.
    const ok = applyConfigChanges(config, editRequest({ expose: ['8000-8001/udp'], stopSignal: 'term', created: '@0' }).config);
    assert.deepEqual(Object.keys(ok.value.config!.ExposedPorts!), ['8000/udp', '8001/udp']);
    assert.equal(ok.value.config!.StopSignal, 'term');
    assert.equal(ok.value.created, '1970-01-01T00:00:00Z');
  });

  it('editRequest refuses a field no table row names; the table names every flag the CLI has', () => {
    assert.match(refusal(() => editRequest({ labels: ['a=b'] } as unknown as EditValues)), /^unknown edit field "labels" \(known: entrypoint, /);
    const help = stowage(['edit', '--help']).stdout.replace(/\s+/g, ' ');
    for (const f of EDIT_FIELDS) assert.ok(help.includes(f.flag) && help.includes(f.help), f.flag);
    assert.equal(EDIT_FIELDS.length, new Set(EDIT_FIELDS.map((f) => f.name)).size);
  });

  it('the library takes its time from `now`, never from $SOURCE_DATE_EPOCH', async () => {
    const g = await fixtures();
    const src = await openSource(g.f('docker25.tar'), { seekable: true });
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const img = pickOne(src);
      const req = editRequest({ label: ['a=b'] });
      const lastCreated = async (opts: { now?: string }) => {
        const { image } = await planEdit(src, img, req, opts);
        const h = JSON.parse(image.config.toString()).history;
        return h[h.length - 1].created as string;
      };
      const before = Date.now();
      const t = Date.parse(await lastCreated({}));
      assert.ok(t >= before - 1000 && t <= Date.now() + 1000, `the current time, not 2023-11-14: ${new Date(t).toISOString()}`);
      assert.equal(await lastCreated({ now: '2001-02-03T04:05:06Z' }), '2001-02-03T04:05:06Z');
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
      await src.close();
    }
  });
});
