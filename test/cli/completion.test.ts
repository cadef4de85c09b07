/**
 * `stowage completion`: the bash script is driven through bash's own completion (the function `complete -p` names,
 * called with COMP_LINE, COMP_POINT, COMP_WORDS and COMP_CWORD set as readline sets them, words split at ':'), and
 * its candidates checked against what `stowage --help` lists: commands, every flag of a command, the transport
 * prefixes, local files (also after oci:), argument choices. fish's is asked with `complete -C`, zsh's is loaded
 * after compinit and must register itself.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { oneLineError, stowage } from '../helpers/cli.js';
import { CLI, scratch } from '../helpers/paths.js';
import { skipUnless } from '../helpers/peers.js';

const dir = scratch('stowage-completion-');
const work = join(dir, 'work');
const bin = join(dir, 'bin');

/** The command names of `stowage --help`. */
function helpCommands(): string[] {
  const help = stowage(['--help']).stdout;
  const section = help.split('Commands:\n')[1]!.split('\n\n')[0]!;
  return [...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!);
}

/** The long flags of `stowage CMD --help`. */
function helpFlags(cmd: string): string[] {
  const help = stowage([cmd, '--help']).stdout;
  return [...new Set([...help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]!))];
}

/** Candidates bash's completion gives for `line` (the cursor at its end), in `work`. */
function bashComplete(line: string): string[] {
  const words: string[] = line.match(/[^\s:]+|:/g) ?? [];
  if (/\s$/.test(line)) words.push('');
  const script = `
source "$1"
fn=$(complete -p stowage | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')
COMP_LINE=$2; COMP_POINT=\${#2}
shift 2
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
"$fn" stowage "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '-c', script, 'bash', join(dir, 'stowage.bash'), line, ...words], { cwd: work, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout.split('\n').filter(Boolean).sort();
}

before(() => {
  mkdirSync(join(work, 'layout'), { recursive: true });
  mkdirSync(join(work, 'lib'), { recursive: true });
  writeFileSync(join(work, 'app-1.tar'), '');
  writeFileSync(join(work, 'app-2.tar'), '');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'stowage'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, 'stowage'), 0o755);
  for (const sh of ['bash', 'zsh', 'fish']) {
    const r = stowage(['completion', sh]);
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(join(dir, `stowage.${sh}`), r.stdout);
  }
});

describe('stowage completion', () => {
  it('bash: completes every command stowage --help lists, and a prefix of one', () => {
    const cmds = helpCommands();
    assert.ok(cmds.includes('inspect') && cmds.includes('completion') && cmds.length > 15, cmds.join(' '));
    assert.deepEqual(bashComplete('stowage '), [...cmds].sort());
    assert.deepEqual(bashComplete('stowage ins'), ['inspect']);
    assert.deepEqual(bashComplete('stowage help ver'), ['verify']);
  });

  it('bash: completes each command\'s own flags, as its --help lists them', () => {
    for (const cmd of ['delta', 'inspect', 'copy', 'apply', 'edit']) {
      const got = bashComplete(`stowage ${cmd} --`);
      assert.deepEqual(got, helpFlags(cmd).sort(), cmd);
    }
    assert.deepEqual(bashComplete('stowage delta x.tar --pa'), ['--patch']);
    assert.ok(bashComplete('stowage --v').includes('--version'));
  });

  it('bash: completes transport prefixes and local files, and files after oci:', () => {
    assert.deepEqual(bashComplete('stowage inspect oci'), ['oci:', 'oci-archive:'].sort());
    assert.deepEqual(bashComplete('stowage copy app-1.tar docker'), ['docker-archive:', 'docker-daemon:', 'docker://'].sort());
    assert.deepEqual(bashComplete('stowage inspect app'), ['app-1.tar', 'app-2.tar']);
    assert.deepEqual(bashComplete('stowage delta app-2.tar --base app-1'), ['app-1.tar']);
    assert.deepEqual(bashComplete('stowage inspect l'), ['layout/', 'lib/']);
    // bash replaces only the part after the ':' it split at.
    assert.deepEqual(bashComplete('stowage copy app-1.tar oci:la'), ['layout/']);
    assert.deepEqual(bashComplete('stowage inspect docker-archive:app-'), ['app-1.tar', 'app-2.tar']);
    assert.deepEqual(bashComplete('stowage inspect docker://reg'), []);
  });

  it('bash: completes the choices of an argument', () => {
    assert.deepEqual(bashComplete('stowage completion '), ['bash', 'fish', 'zsh']);
    assert.deepEqual(bashComplete('stowage completion bash '), []);
  });

  it('fish: complete -C gives commands with their summaries, flags, prefixes and files', { skip: skipUnless('fish') }, () => {
    const fish = (line: string) => {
      const r = spawnSync('fish', ['--no-config', '-c', `source ${join(dir, 'stowage.fish')}; complete -C '${line}'`], { cwd: work, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]!).sort();
    };
    assert.deepEqual(fish('stowage ins'), ['inspect']);
    assert.ok(fish('stowage delta --').includes('--patch'));
    assert.deepEqual(fish('stowage inspect oci'), ['oci-archive:', 'oci:']);
    assert.deepEqual(fish('stowage inspect oci:la'), ['oci:layout/']);
    assert.deepEqual(fish('stowage inspect app'), ['app-1.tar', 'app-2.tar']);
    assert.deepEqual(fish('stowage completion '), ['bash', 'fish', 'zsh']);
  });

  it('zsh: loads after compinit and registers its function for stowage', { skip: skipUnless('zsh') }, () => {
    const r = spawnSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -D && source ${join(dir, 'stowage.zsh')} && print -r -- $_comps[stowage]`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '_stowage');
    assert.equal(spawnSync('zsh', ['-n', join(dir, 'stowage.zsh')]).status, 0);
  });

  it('refuses another shell in one line, exit 2', () => {
    const r = stowage(['completion', 'tcsh']);
    assert.equal(r.status, 2);
    assert.match(oneLineError(r), /tcsh.*bash, zsh, fish/);
  });
});
