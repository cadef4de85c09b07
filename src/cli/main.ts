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

type Register = (program: Command) => void;

/**
 * Each command's module, in the order `--help` lists them, loaded only when needed: a command's module pulls in its
 * ops, transports and encoders, and loading all of them cost about 0.1 s of CPU on every run. A run of one command
 * loads that one; the overview, `help`, completion (which reads every command's flags) and a word that names no
 * command (commander suggests the nearest) load them all.
 */
const COMMANDS: { names: string[]; load: () => Promise<Register[]> }[] = [
  { names: ['inspect'], load: async () => [(await import('./commands/inspect.js')).registerInspect] },
  { names: ['verify'], load: async () => [(await import('./commands/verify.js')).registerVerify] },
  { names: ['copy'], load: async () => [(await import('./commands/copy.js')).registerCopy] },
  { names: ['delta'], load: async () => [(await import('./commands/delta.js')).registerDelta] },
  { names: ['have'], load: async () => [(await import('./commands/have.js')).registerHave] },
  { names: ['check'], load: async () => [(await import('./commands/check.js')).registerCheck] },
  { names: ['apply'], load: async () => [(await import('./commands/apply.js')).registerApply] },
  { names: ['bundle'], load: async () => [(await import('./commands/bundle.js')).registerBundle] },
  { names: ['local'], load: async () => [(await import('./commands/local.js')).registerLocal] },
  { names: ['diff'], load: async () => [(await import('./commands/diff.js')).registerDiff] },
  { names: ['push'], load: async () => [(await import('./commands/push.js')).registerPush] },
  { names: ['pull'], load: async () => [(await import('./commands/pull.js')).registerPull] },
  { names: ['edit'], load: async () => [(await import('./commands/edit.js')).registerEdit] },
  { names: ['export'], load: async () => [(await import('./commands/export.js')).registerExport] },
  { names: ['squash'], load: async () => [(await import('./commands/squash.js')).registerSquash] },
  { names: ['import'], load: async () => [(await import('./commands/import.js')).registerImport] },
  { names: ['layers'], load: async () => [(await import('./commands/layers.js')).registerLayers] },
  { names: ['report'], load: async () => [(await import('./commands/report.js')).registerReport] },
  {
    names: ['ls', 'digest', 'delete'],
    load: async () => {
      const m = await import('./commands/registry-admin.js');
      return [m.registerLs, m.registerDigest, m.registerDelete];
    },
  },
  { names: ['completion'], load: async () => [(await import('./commands/completion.js')).registerCompletion] },
  { names: ['plugin'], load: async () => [(await import('./commands/plugin.js')).registerPlugin] },
];

/**
 * The registrations a command line needs: none for `--version`, one module's for a command that runs, all of them
 * otherwise (see COMMANDS).
 */
async function registrationsFor(args: string[]): Promise<Register[]> {
  const first = args[0];
  if (first === '-V' || first === '--version') return [];
  const one = first !== undefined && first !== 'completion' ? COMMANDS.find((c) => c.names.includes(first)) : undefined;
  if (one) {
    const i = one.names.indexOf(first!);
    const regs = await one.load();
    // A module registering several commands (registry-admin): the one asked for only.
    return one.names.length === regs.length ? [regs[i]!] : regs;
  }
  return (await Promise.all(COMMANDS.map((c) => c.load()))).flat();
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The program with the commands `args` (the words after the script's path) need; all of them by default. */
export async function buildProgram(args: string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('stowage')
    .description('Docker and OCI images as files: show and prove every identity, ship only the layers a target lacks.')
    .version(version(), '-V, --version')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`stowage: ${str.replace(/^error: /, '')}`) });
  for (const register of await registrationsFor(args)) register(program);
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
    await (await buildProgram(process.argv.slice(2))).parseAsync(process.argv);
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
