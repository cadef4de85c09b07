/** `stowage ls`, `stowage digest`, `stowage delete`: registry housekeeping, as crane ls / digest / delete. */
import type { Command } from 'commander';
import { deleteImage, digestOf, listTags } from '../../ops/registry-admin.js';
import { print, printJson, warn } from '../output.js';
import { addRegistryFlags, registryOptions, type RegistryFlags } from '../registry-flags.js';
import { SOURCE_HELP } from '../source-help.js';

export function registerLs(program: Command): void {
  const cmd = program
    .command('ls')
    .summary('list the tags of a registry repository (as crane ls)')
    .argument('<repository>', 'docker://REGISTRY/REPO')
    .option('--json', 'print {schema, repository, tags} (docs/json.md)');
  addRegistryFlags(cmd, { src: true, dest: false }).addHelpText('after', `
One tag a line, in the registry's order (every page of the tags list is read).
Examples:
  stowage ls docker://registry.example.com/team/app
  stowage ls docker://127.0.0.1:5000/app --json | jq -r '.tags[]'`)
    .action(async (repo: string, opts: RegistryFlags & { json?: boolean }) => {
      const r = await listTags(repo, registryOptions(opts, 'src'));
      if (opts.json) printJson(r);
      else if (r.tags.length) print(r.tags.join('\n'));
    });
}

export function registerDigest(program: Command): void {
  const cmd = program
    .command('digest')
    .summary('print the manifest digest of an image from any source (as crane digest)')
    .argument('<source>', SOURCE_HELP)
    .option('--platform <os/arch[/variant]>', 'the manifest of this platform rather than the index a multi-platform tag names')
    .option('--json', 'print {schema, source, digest, mediaType, synthesized} (docs/json.md)');
  addRegistryFlags(cmd, { src: true, dest: false }).addHelpText('after', `
For a registry tag, the digest of what it names (an index for a multi-platform image; --platform picks one
manifest), the same as crane digest and the Docker-Content-Digest header. For a file or layout, the manifest of
its image; a classic docker save holds no manifest, so the digest of one stowage synthesizes is printed and a
warning says that a registry's will differ.
Examples:
  stowage digest docker://registry.example.com/team/app:1
  stowage digest --platform linux/arm64 docker://127.0.0.1:5000/multi:1
  stowage digest oci:./layout:v1`)
    .action(async (source: string, opts: RegistryFlags & { json?: boolean; platform?: string }) => {
      const r = await digestOf(source, { ...(opts.platform ? { platform: opts.platform } : {}), registry: registryOptions(opts, 'src') });
      if (r.synthesized) warn(`${source} holds no manifest: this digest is of one stowage synthesizes (Docker schema 2 naming the layers by DiffID); a registry's will differ`);
      if (opts.json) printJson(r);
      else print(r.digest);
    });
}

export function registerDelete(program: Command): void {
  const cmd = program
    .command('delete')
    .summary('delete a tag\'s or a digest\'s manifest from a registry (as crane delete)')
    .argument('<reference>', 'docker://REGISTRY/REPO:TAG or docker://REGISTRY/REPO@sha256:...')
    .option('--json', 'print {schema, reference, digest, mediaType, tagsRemoved} (docs/json.md)')
    .option('-q, --quiet', 'print nothing on success');
  addRegistryFlags(cmd, { src: true, dest: false }).addHelpText('after', `
The registry API deletes manifests by digest: a tag is resolved to its digest first, and every tag that names the
same manifest goes with it (they are listed). Blobs stay until the registry's garbage collection. The registry
must allow deletes (the CNCF registry: storage.delete.enabled: true).
Examples:
  stowage delete docker://registry.example.com/team/app:old
  stowage delete docker://127.0.0.1:5000/app@sha256:6b3a868e8a756915a0144ee9293a43594880037a75c4226956a9ba3840b66c9b`)
    .action(async (ref: string, opts: RegistryFlags & { json?: boolean; quiet?: boolean }) => {
      const r = await deleteImage(ref, registryOptions(opts, 'src'));
      if (opts.json) printJson(r);
      else if (!opts.quiet) {
        const tags = r.tagsRemoved.length ? `; tags gone with it: ${r.tagsRemoved.join(', ')}` : '; no tag named it';
        process.stderr.write(`deleted ${r.reference.replace(/[:@][^/]*$/, '')}@${r.digest}${tags}\n`);
      }
    });
}
