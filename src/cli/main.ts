#!/usr/bin/env node
/**
 * The stowage command line. Each command lives in its own module under commands/; this file wires them up and
 * turns every error into one line on standard error and an exit status: 1 for bad input, 2 for bad usage.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { StowageError } from '../errors.js';
import { fsWords } from '../fs/fs-errors.js';
import { escapeLine } from './escape.js';
import { registerInspect } from './commands/inspect.js';
import { registerVerify } from './commands/verify.js';
import { registerCopy } from './commands/copy.js';
import { registerDelta } from './commands/delta.js';
import { registerHave } from './commands/have.js';
import { registerCheck } from './commands/check.js';
import { registerApply } from './commands/apply.js';
import { registerBundle } from './commands/bundle.js';
import { registerLocal } from './commands/local.js';
import { registerDiff } from './commands/diff.js';
import { registerPush } from './commands/push.js';
import { registerPull } from './commands/pull.js';
import { registerEdit } from './commands/edit.js';
import { registerExport } from './commands/export.js';
import { registerSquash } from './commands/squash.js';
import { registerImport } from './commands/import.js';
import { registerLayers } from './commands/layers.js';
import { registerReport } from './commands/report.js';
import { registerDelete, registerDigest, registerLs } from './commands/registry-admin.js';
import { registerCompletion } from './commands/completion.js';
import { registerPlugin } from './commands/plugin.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('stowage')
    .description('Docker and OCI images as files: show and prove every identity, ship only the layers a target lacks.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`stowage: ${str.replace(/^error: /, '')}`) });
  registerInspect(program);
  registerVerify(program);
  registerCopy(program);
  registerDelta(program);
  registerHave(program);
  registerCheck(program);
  registerApply(program);
  registerBundle(program);
  registerLocal(program);
  registerDiff(program);
  registerPush(program);
  registerPull(program);
  registerEdit(program);
  registerExport(program);
  registerSquash(program);
  registerImport(program);
  registerLayers(program);
  registerReport(program);
  registerLs(program);
  registerDigest(program);
  registerDelete(program);
  registerCompletion(program);
  registerPlugin(program);
  program.addHelpText('after', `
Sources: a file or directory (sniffed), docker-archive:PATH, oci:DIR[:TAG], oci-archive:PATH, - (standard input,
gzip or zstd too), docker-daemon:NAME[:TAG] (the engine DOCKER_HOST names), docker://REGISTRY/REPO[:TAG|@DIGEST].
Examples:
  stowage inspect app.tar                                   every identity of every image, explained
  stowage inspect --raw config docker-daemon:app:1 | jq .   the config as stored
  stowage verify app.tar                                    re-hash every layer, prove every digest
  stowage delta app-2.tar --base app-1.tar -o d.tar         ship only the layers the target lacks
  stowage diff app-1.tar app-2.tar                          what differs and why (exit 1 when different)
  stowage edit app.tar -o app-e.tar --env MODE=prod         change the config without touching a layer
  stowage copy app.tar oci:./layout:v1                      between archives, layouts, the engine, registries
  stowage push app.tar registry.example.com/team/app:1
  stowage ls docker://registry.example.com/team/app         tags; also: digest, delete
Run stowage help COMMAND (or COMMAND --help) for each command's flags and examples.`);
  for (const c of program.commands) c.exitOverride();
  return program;
}

async function main(): Promise<void> {
  // A reader that goes away (stowage inspect x | head) is not an error; any other failure of standard output (a
  // full disk, /dev/full) is one line and exit status 1, never a trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    fail(`standard output: ${fsWords(e) ?? e.message}`, 1);
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
      process.exit(e.exitCode === 0 ? 0 : 2);
    }
    if (e instanceof StowageError) {
      // The command printed its report already (verify's problems): the exit status says the rest.
      if (e.code === 'reported') process.exit(e.exitCode);
      if (process.env.STOWAGE_DEBUG) process.stderr.write(`${e.stack}\n`);
      fail(e.message, e.exitCode);
    }
    const err = e as NodeJS.ErrnoException;
    if (process.env.STOWAGE_DEBUG) process.stderr.write(`${err?.stack}\n`);
    // A system error nothing above put in words (a file vanished, a folder turned read-only): its words and path.
    const words = fsWords(err);
    if (words) fail(`${err.path ? `${err.path}: ` : ''}${words}`, 1);
    if (err instanceof RangeError && /call stack/.test(err.message)) fail('an input is nested too deeply to process', 1);
    fail(`internal error: ${err?.message ?? String(e)}`, 70);
  }
}

/** One line on standard error (image strings in it escaped), then exit. */
function fail(message: string, code: number): never {
  process.stderr.write(`stowage: ${escapeLine(message)}\n`);
  process.exit(code);
}

await main();
