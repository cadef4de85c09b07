/** `stowage push SOURCE REF`: copy an image to a registry (the familiar spelling of copy SOURCE docker://REF). */
import { transportOf } from '../../transports/spec.js';
import type { Command } from 'commander';
import { addCopyFlags, runCopy, type CopyFlags } from './copy.js';
import { SOURCE_HELP } from '../source-help.js';

export function registerPush(program: Command): void {
  const cmd = program
    .command('push')
    .summary('push an image from an archive, a layout or another registry to a registry')
    .argument('<source>', SOURCE_HELP)
    .argument('<ref>', 'REGISTRY/REPO[:TAG] (docker:// may be given)');
  addCopyFlags(cmd, { src: true, dest: true })
    .addHelpText('after', `
The same as stowage copy SOURCE docker://REF (see stowage copy --help for how layers and credentials are handled).
Examples:
  stowage push app.tar registry.example.com/team/app:1
  stowage push --compression zstd oci:./layout:v1 127.0.0.1:5000/app:v1
  docker save app | stowage push - 127.0.0.1:5000/app:1`)
    .action(async (source: string, ref: string, opts: CopyFlags) => {
      await runCopy(source, transportOf(ref) === 'docker' ? ref : `docker://${ref}`, opts);
    });
}
