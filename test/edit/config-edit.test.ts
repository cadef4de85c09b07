/** Unit tests of the pure editing logic (src/image/config-edit.ts) and the flag parsing (src/cli/edit-flags.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import {
  applyAnnotationChanges, applyConfigChanges, diffConfigs, isEmptyRequest, resolveTags, serializeConfig, withEditHistory,
  type ConfigChange,
} from '../../src/image/config-edit.js';
import { addEditFlags, editRequestFrom, parseCreated, parsePorts } from '../../src/cli/edit-flags.js';
import { UsageError } from '../../src/errors.js';
import type { ImageConfig } from '../../src/oci/types.js';

const D = `sha256:${'a'.repeat(64)}` as const;

function base(): ImageConfig {
  return {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: {
      Env: ['PATH=/usr/bin:/bin', 'APP=1'],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['echo hi'],
      Volumes: { '/data': {}, '/var/cache': {}, '/var/log': {} },
      ExposedPorts: { '80/tcp': {}, '80/udp': {}, '443/tcp': {} },
      Labels: { 'org.example': 'e2e', 'org.opencontainers.image.title': 't', keep: 'k' },
      Healthcheck: { Test: ['CMD', 'true'] },
      WorkingDir: '/srv',
      User: 'app',
      OnBuild: null,
    },
    rootfs: { type: 'layers', diff_ids: [D] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'x' }],
    unknown_field: { kept: true },
  };
}

const apply = (changes: ConfigChange[], cfg = base()) => applyConfigChanges(cfg, changes);

describe('applyConfigChanges', () => {
  it('sets and clears ENTRYPOINT and CMD independently; a shell string uses the image\'s SHELL', () => {
    const r = apply([{ kind: 'entrypoint', value: ['/bin/echo', 'x'] }]);
    assert.deepEqual(r.value.config!.Entrypoint, ['/bin/echo', 'x']);
    assert.deepEqual(r.value.config!.Cmd, ['echo hi'], 'CMD left alone');
    assert.deepEqual(r.summary, ['ENTRYPOINT ["/bin/echo","x"]']);
    const s = apply([{ kind: 'cmd', value: { shell: 'run me' } }]);
    assert.deepEqual(s.value.config!.Cmd, ['/bin/sh', '-c', 'run me']);
    const withShell = base();
    withShell.config!.Shell = ['/bin/bash', '-eo', 'pipefail', '-c'];
    assert.deepEqual(apply([{ kind: 'cmd', value: { shell: 'x' } }], withShell).value.config!.Cmd, ['/bin/bash', '-eo', 'pipefail', '-c', 'x']);
    const c = apply([{ kind: 'clear-entrypoint' }, { kind: 'clear-cmd' }]);
    assert.ok(!('Entrypoint' in c.value.config!) && !('Cmd' in c.value.config!));
    assert.deepEqual(c.summary, ['remove ENTRYPOINT', 'remove CMD']);
  });

  it('does not modify its input and keeps unknown fields and key order', () => {
    const cfg = base();
    const before = serializeConfig(cfg);
    const r = apply([{ kind: 'label', key: 'new', value: 'v' }], cfg);
    assert.deepEqual(serializeConfig(cfg), before);
    assert.deepEqual(r.value.unknown_field, { kept: true });
    assert.deepEqual(Object.keys(r.value), Object.keys(cfg));
    assert.deepEqual(Object.keys(r.value.config!), Object.keys(cfg.config!));
    assert.equal(r.value.config!.OnBuild, null);
    assert.equal(r.changed, true);
  });

  it('ENV: replaces in place, appends new names, removes by name or pattern', () => {
    const r = apply([{ kind: 'env', name: 'APP', value: '2' }, { kind: 'env', name: 'NEW', value: 'a=b' }]);
    assert.deepEqual(r.value.config!.Env, ['PATH=/usr/bin:/bin', 'APP=2', 'NEW=a=b']);
    const d = apply([{ kind: 'env-rm', name: 'P*' }]);
    assert.deepEqual(d.value.config!.Env, ['APP=1']);
    assert.deepEqual(d.summary, ['remove ENV PATH']);
    const all = apply([{ kind: 'env-rm', name: '*' }]);
    assert.ok(!('Env' in all.value.config!), 'an emptied list is deleted');
  });

  it('labels, volumes and ports: set, remove (patterns), clear; emptied maps are deleted', () => {
    const r = apply([
      { kind: 'label-rm', key: 'org.opencontainers.*' },
      { kind: 'volume-rm', path: '/var/*' },
      { kind: 'expose-rm', port: '80' },
      { kind: 'volume', path: '/new' },
      { kind: 'expose', port: '8080/tcp' },
    ]);
    assert.deepEqual(r.value.config!.Labels, { 'org.example': 'e2e', keep: 'k' });
    assert.deepEqual(Object.keys(r.value.config!.Volumes!), ['/data', '/new']);
    assert.deepEqual(Object.keys(r.value.config!.ExposedPorts!), ['443/tcp', '8080/tcp']);
    assert.deepEqual(r.summary, [
      'remove LABEL org.opencontainers.image.title',
      'remove VOLUME /var/cache, /var/log',
      'remove EXPOSE 80/tcp, 80/udp',
      'VOLUME /new',
      'EXPOSE 8080/tcp',
    ]);
    const only = apply([{ kind: 'expose-rm', port: '80/udp' }]);
    assert.deepEqual(Object.keys(only.value.config!.ExposedPorts!), ['80/tcp', '443/tcp']);
    const c = apply([{ kind: 'clear-volumes' }, { kind: 'clear-exposed' }, { kind: 'clear-labels' }, { kind: 'clear-healthcheck' }]);
    for (const k of ['Volumes', 'ExposedPorts', 'Labels', 'Healthcheck']) assert.ok(!(k in c.value.config!), k);
    assert.deepEqual(c.warnings, []);
  });

  it('removing something absent is a warning, and changes nothing', () => {
    const r = apply([
      { kind: 'label-rm', key: 'nope' }, { kind: 'volume-rm', path: '/nope' }, { kind: 'expose-rm', port: '9999' },
      { kind: 'env-rm', name: 'NOPE' }, { kind: 'clear-env' },
    ], { ...base(), config: { Env: [] } });
    assert.equal(r.warnings.length, 5);
    assert.match(r.warnings[0]!, /no label named nope/);
    assert.match(r.warnings[1]!, /no volume at \/nope/);
    assert.deepEqual(r.summary, []);
    const empty: ImageConfig = { rootfs: { type: 'layers', diff_ids: [] } };
    const e = apply([{ kind: 'clear-volumes' }, { kind: 'clear-healthcheck' }, { kind: 'user', value: '' }, { kind: 'author', value: '' }], empty);
    assert.equal(e.warnings.length, 4);
    assert.equal(e.changed, false);
    assert.ok(!('config' in e.value), 'no empty config object is invented');
    // A docker-built config writes absent things as null or "": removing them again keeps the bytes.
    const docker: ImageConfig = { ...base(), config: { Hostname: '', User: '', Volumes: null, Entrypoint: null, Labels: null } };
    const n = apply([{ kind: 'hostname', value: '' }, { kind: 'user', value: '' }, { kind: 'clear-volumes' }, { kind: 'clear-entrypoint' }, { kind: 'clear-labels' }], docker);
    assert.equal(n.changed, false);
    assert.deepEqual(serializeConfig(n.value), serializeConfig(docker));
    assert.equal(n.warnings.length, 5);
  });

  it('strings: an empty value removes; author, created and platform are top-level', () => {
    const r = apply([
      { kind: 'user', value: '' }, { kind: 'workdir', value: '/app' }, { kind: 'stop-signal', value: 'SIGINT' },
      { kind: 'author', value: 'me <me@example.com>' }, { kind: 'created', value: '2020-02-02T02:02:02Z' },
      { kind: 'platform', os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    assert.ok(!('User' in r.value.config!));
    assert.equal(r.value.config!.WorkingDir, '/app');
    assert.equal(r.value.config!.StopSignal, 'SIGINT');
    assert.equal(r.value.author, 'me <me@example.com>');
    assert.equal(r.value.created, '2020-02-02T02:02:02Z');
    assert.equal(r.value.architecture, 'arm64');
    assert.equal(r.value.variant, 'v8');
  });

  it('the edit history entry is empty_layer and says what changed', () => {
    const r = apply([{ kind: 'clear-volumes' }]);
    const h = withEditHistory(r.value, r.summary, '2025-01-01T00:00:00Z');
    assert.equal(h.history!.length, 2);
    assert.deepEqual(h.history![1], { created: '2025-01-01T00:00:00Z', created_by: 'stowage edit: remove all VOLUMEs (/data, /var/cache, /var/log)', comment: 'stowage edit', empty_layer: true });
    assert.deepEqual(h.rootfs.diff_ids, [D]);
  });
});

describe('serializeConfig and diffConfigs', () => {
  it('writes compact JSON with Go\'s escaping, the same bytes every time', () => {
    const v = { b: '<&>', a: [1, true, null], c: { 'x y': 'é' } };
    assert.equal(serializeConfig(v).toString(), '{"b":"\\u003c\\u0026\\u003e","a":[1,true,null],"c":{"x y":"é"}}');
    assert.deepEqual(JSON.parse(serializeConfig(v).toString()), v);
  });

  it('lists changed fields one map key at a time, and appended history entries', () => {
    const before = base();
    const r = apply([{ kind: 'label', key: 'org.example', value: 'x' }, { kind: 'clear-cmd' }, { kind: 'volume', path: '/n' }]);
    const after = withEditHistory(r.value, r.summary, 'T');
    const d = diffConfigs(before, after);
    assert.deepEqual(d.map((x) => x.path), ['config.Cmd', 'config.Volumes["/n"]', 'config.Labels["org.example"]', 'history[1]']);
    const e = diffConfigs(before, apply([{ kind: 'env', name: 'APP', value: '2' }, { kind: 'env-rm', name: 'PATH' }]).value);
    assert.deepEqual(e, [{ path: 'config.Env["PATH"]', before: '/usr/bin:/bin' }, { path: 'config.Env["APP"]', before: '1', after: '2' }]);
    assert.deepEqual(d[0], { path: 'config.Cmd', before: ['echo hi'] });
    assert.deepEqual(d[2], { path: 'config.Labels["org.example"]', before: 'e2e', after: 'x' });
  });
});

describe('annotations and tags', () => {
  it('annotation changes', () => {
    const r = applyAnnotationChanges({ 'org.opencontainers.image.created': 'x', a: '1' }, [
      { kind: 'annotation-rm', key: 'org.*' }, { kind: 'annotation', key: 'b', value: '2' }, { kind: 'annotation-rm', key: 'zz' },
    ]);
    assert.deepEqual(r.value, { a: '1', b: '2' });
    assert.equal(r.warnings.length, 1);
    assert.equal(applyAnnotationChanges(undefined, [{ kind: 'clear-annotations' }]).warnings.length, 1);
  });

  it('--tag replaces, --add-tag adds, duplicates in docker\'s normal form are dropped', () => {
    assert.deepEqual(resolveTags(['app:1'], undefined), ['app:1']);
    assert.deepEqual(resolveTags(['app:1'], { replace: ['new:2'] }), ['new:2']);
    assert.deepEqual(resolveTags(['app:1'], { add: ['docker.io/library/app:1', 'app:2'] }), ['app:1', 'app:2']);
    assert.deepEqual(resolveTags(['app:1'], { replace: [], add: ['x:1'] }), ['x:1']);
  });
});

function flags(args: string[]) {
  const cmd = addEditFlags(new Command().exitOverride());
  cmd.parse(args, { from: 'user' });
  return editRequestFrom(cmd.opts());
}

describe('edit flags', () => {
  it('turn into changes in a fixed order: clear, then remove, then set', () => {
    const r = flags(['--label', 'a=b', '--clear-labels', '--label-rm', 'x', '--env', 'K=v=w', '--expose', '8000-8002/udp', '--entrypoint', '["/app"]', '--cmd', 'echo hi']);
    assert.deepEqual(r.config, [
      { kind: 'entrypoint', value: ['/app'] },
      { kind: 'cmd', value: { shell: 'echo hi' } },
      { kind: 'env', name: 'K', value: 'v=w' },
      { kind: 'clear-labels' },
      { kind: 'label-rm', key: 'x' },
      { kind: 'label', key: 'a', value: 'b' },
      { kind: 'expose', port: '8000/udp' }, { kind: 'expose', port: '8001/udp' }, { kind: 'expose', port: '8002/udp' },
    ]);
    assert.equal(r.tags, undefined);
    assert.ok(isEmptyRequest(flags([])));
    assert.deepEqual(flags(['--tag', 'a:1', '--tag', 'b:2', '--add-tag', 'c']).tags, { replace: ['a:1', 'b:2'], add: ['c'] });
    assert.deepEqual(flags(['--expose-rm', '80']).config, [{ kind: 'expose-rm', port: '80' }]);
    assert.deepEqual(flags(['--user', '']).config, [{ kind: 'user', value: '' }]);
  });

  it('refuse malformed values with a UsageError naming the flag and the value', () => {
    const bad: [string[], RegExp][] = [
      [['--env', 'NOEQUALS'], /--env "NOEQUALS": expected NAME=VALUE/],
      [['--label', '=v'], /--label "=v": empty key/],
      [['--env-rm', 'A=1'], /give the name only/],
      [['--expose', '0'], /port 0 is outside 1-65535/],
      [['--expose', '70000'], /outside 1-65535/],
      [['--expose', '80/http'], /unknown protocol "http"/],
      [['--expose', 'eighty'], /expected PORT\[\/PROTOCOL\]/],
      [['--expose', '90-80'], /ends before it starts/],
      [['--volume', 'data'], /absolute path/],
      [['--entrypoint', '["/a", 1]'], /JSON array of strings/],
      [['--entrypoint', '[oops'], /not valid JSON/],
      [['--cmd', ''], /use --clear-cmd/],
      [['--entrypoint', 'x', '--clear-entrypoint'], /--entrypoint or --clear-entrypoint, not both/],
      [['--stop-signal', 'SIGFOO'], /not a signal/],
      [['--stop-signal', '99'], /not a signal/],
      [['--created', 'yesterday'], /RFC 3339/],
      [['--created', '2024-13-01T00:00:00Z'], /RFC 3339/],
      [['--workdir', 'rel'], /absolute path/],
      [['--tag', 'Bad:Tag'], /--tag: invalid image reference/],
      [['--set-platform', 'linux'], /invalid platform/],
    ];
    for (const [args, re] of bad) {
      assert.throws(() => flags(args), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && re.test(e.message), args.join(' '));
    }
  });

  it('accept signals, times and ports in their usual forms', () => {
    for (const s of ['SIGTERM', 'term', '15', 'SIGRTMIN+3']) assert.doesNotThrow(() => flags(['--stop-signal', s]), s);
    assert.equal(parseCreated('--created', '@0'), '1970-01-01T00:00:00Z');
    assert.equal(parseCreated('--created', '2024-05-01T12:00:00.5+02:00'), '2024-05-01T12:00:00.5+02:00');
    assert.deepEqual(parsePorts('--expose', '53/UDP'), ['53/udp']);
  });
});
