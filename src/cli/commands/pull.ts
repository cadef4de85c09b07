/** `stowage pull REF [DEST]`: copy an image from a registry (copy docker://REF DEST); into the engine by default. */
import { transportOf } from '../../transports/spec.js';
import type { Command } from 'commander';
import { addCopyFlags, runCopy, type CopyFlags } from './copy.js';

export function registerPull(program: Command): void {
  const cmd = program
    .command('pull')
    .summary('pull an image from a registry into the Docker engine, an archive or an OCI layout')
    .argument('<ref>', 'REGISTRY/REPO[:TAG|@DIGEST] (docker:// may be given); docker.io/library/ is assumed as docker does')
    .argument('[dest]', 'docker-daemon:[NAME:TAG] (the default: the engine DOCKER_HOST names), PATH (a docker save archive), docker-archive:PATH[:NAME:TAG], oci:DIR[:TAG], oci-archive:PATH[:TAG], or - for standard output', 'docker-daemon:')
    .option('--format <docker|oci|oci-archive>', 'format of a DEST given as a bare path (default docker)')
    .option('--layout <legacy|oci>', 'write a docker archive in this layout: legacy (Docker <= 24, every engine; the default) or oci (Docker 25+)');
  addCopyFlags(cmd, { src: true, dest: false })
    .addHelpText('after', `
Every blob is checked against its digest as it arrives; a dropped connection resumes where it stopped. An image
index gives the image for this machine's platform, or --platform's; --all-platforms copies them all.
Examples:
  stowage pull 127.0.0.1:5000/app:1                      # into the engine, as docker pull does
  stowage pull 127.0.0.1:5000/app:1 app.tar && docker load -i app.tar
  stowage pull --platform linux/arm64 docker.io/library/alpine:3 oci:./alpine:3
  stowage pull --all-platforms docker.io/library/alpine:3 oci-archive:alpine-all.tar`)
    .action(async (ref: string, dest: string, opts: CopyFlags) => {
      await runCopy(transportOf(ref) === 'docker' ? ref : `docker://${ref}`, dest, opts);
    });
}
