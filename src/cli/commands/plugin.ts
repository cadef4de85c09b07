/**
 * `stowage plugin install|metadata`: stowage as a Docker CLI plugin, so `docker stowage inspect app.tar` works.
 * Docker's plugin protocol (docker/cli, cli-plugins): an executable named docker-NAME in a cli-plugins folder
 * ($DOCKER_CONFIG/cli-plugins, by default ~/.docker/cli-plugins), answering `docker-NAME docker-cli-plugin-metadata`
 * with a JSON object (SchemaVersion "0.1.0", Vendor, Version, ShortDescription, URL), and run as
 * `docker-NAME [GLOBAL OPTIONS] NAME ARGS...` for `docker NAME ARGS...`. The shim written here skips what precedes
 * NAME and runs this stowage, with the Node.js that runs it now, by absolute path.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { StowageError } from '../../errors.js';
import { print } from '../output.js';

const NAME = 'stowage';
const MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The metadata Docker's CLI asks every plugin for (cli-plugins/manager Metadata). */
export function pluginMetadata(): Record<string, string> {
  return {
    SchemaVersion: '0.1.0',
    Vendor: 'stowage',
    Version: version(),
    ShortDescription: 'Docker and OCI images as files: inspect, verify, delta, patch, edit, copy',
  };
}

/** Single-quoted for sh. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function shim(): string {
  return `#!/bin/sh
# The Docker CLI plugin shim of stowage (written by \`stowage plugin install\`): \`docker ${NAME} ARGS\` runs
# \`stowage ARGS\`. Docker runs it as \`docker-${NAME} docker-cli-plugin-metadata\` to learn about it, and as
# \`docker-${NAME} [GLOBAL OPTIONS] ${NAME} ARGS\` to use it.
NODE=${sh(process.execPath)}
MAIN=${sh(MAIN)}
if [ "$1" = docker-cli-plugin-metadata ]; then exec "$NODE" "$MAIN" plugin metadata; fi
for a in "$@"; do
  if [ "$a" = ${NAME} ]; then
    while [ "$1" != ${NAME} ]; do shift; done
    shift
    break
  fi
done
exec "$NODE" "$MAIN" "$@"
`;
}

/** Docker's cli-plugins folder for this user. */
export function defaultPluginDir(): string {
  return join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'cli-plugins');
}

export function registerPlugin(program: Command): void {
  const plugin = program
    .command('plugin')
    .summary('make stowage a Docker CLI plugin (docker stowage ...)');
  plugin.addHelpText('after', `
Examples:
  stowage plugin install           writes ~/.docker/cli-plugins/docker-${NAME} ($DOCKER_CONFIG is honoured)
  docker ${NAME} inspect app.tar      then stowage runs under the docker command
  stowage plugin install --dir /usr/local/lib/docker/cli-plugins      for every user
The shim runs this stowage with this Node.js, by absolute path: install it again after moving either.`);
  plugin
    .command('install')
    .description('write the docker-stowage plugin shim into Docker\'s cli-plugins folder')
    .option('--dir <folder>', 'the cli-plugins folder (default: $DOCKER_CONFIG/cli-plugins or ~/.docker/cli-plugins)')
    .action((opts: { dir?: string }) => {
      const dir = opts.dir ?? defaultPluginDir();
      const file = join(dir, `docker-${NAME}`);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(tmp, shim(), { mode: 0o755 });
        chmodSync(tmp, 0o755);
        renameSync(tmp, file);
      } catch (e) {
        throw new StowageError(`${file}: cannot write the plugin (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      print(`wrote ${file}: docker ${NAME} ... now runs this stowage`);
    });
  plugin
    .command('metadata')
    .description('print the JSON Docker\'s CLI asks a plugin for (docker-cli-plugin-metadata)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(pluginMetadata())}\n`);
    });
}
