/** `stowage diff A B [--files]`: compare two images and say why each identity differs. */
import { StowageError } from '../../errors.js';
import type { Command } from 'commander';
import { diff, type DiffReport } from '../../ops/diff.js';
import { parsePlatform } from '../../oci/platform.js';
import { openSource, pickOne } from '../../transports/open.js';
import { formatBytes, truncate } from '../format.js';
import { print, printJson } from '../output.js';

const short = (d: string | null | undefined) => (d ? `${d.slice(0, 19)}…` : '?');
const show = (v: unknown) => (v === null || v === undefined ? '(absent)' : truncate(JSON.stringify(v), 70));

export function renderDiff(r: DiffReport, maxFiles = 200): string {
  const out: string[] = [];
  out.push(`A: ${r.a.source}  ${r.a.tags.join(', ') || '<untagged>'}  ${r.a.imageId}`);
  out.push(`B: ${r.b.source}  ${r.b.tags.join(', ') || '<untagged>'}  ${r.b.imageId}`);
  out.push('', ...r.verdict);
  out.push('', 'Layers (by position)              A                        B');
  for (const l of r.layers) {
    const state = !l.a ? 'only in B' : !l.b ? 'only in A' : l.sameChainId ? (l.sameBlob === false ? 'same, recompressed' : 'same') : l.sameDiffId ? 'same DiffID, new stack' : 'different';
    out.push(`  ${String(l.index + 1).padStart(2)}  ${state.padEnd(24)}  ${short(l.a?.chainId).padEnd(23)}  ${short(l.b?.chainId)}`);
  }
  out.push(`  shared with A: ${r.sharedByChainId} of B's ${r.b.layers} layers by ChainID, ${r.sharedByDiffId} by DiffID`);
  if (r.config.length) {
    out.push('', 'Config (field by field, A -> B)');
    for (const c of r.config) {
      if (c.path === 'history' && Array.isArray(c.a) && Array.isArray(c.b)) out.push(`  history: ${c.a.length} entries -> ${c.b.length} entries`);
      else out.push(`  ${c.path}: ${show(c.a)} -> ${show(c.b)}`);
    }
  }
  if (r.a.manifest || r.b.manifest) {
    out.push('', 'Manifests');
    for (const [k, m] of [['A', r.a.manifest], ['B', r.b.manifest]] as const) {
      out.push(`  ${k}: ${m ? `${m.digest}  ${m.mediaType}${m.origin === 'synthesized' ? '  (synthesized)' : ''}` : 'none'}`);
    }
  }
  if (r.files) {
    const f = r.files;
    out.push('', `Files (merged filesystems, A -> B)`);
    const lines: string[] = [];
    for (const x of f.added) lines.push(`  + ${x.path}${x.facts.type === 'file' ? `  (${formatBytes(x.facts.size)})` : x.facts.type === 'dir' ? '/' : ''}`);
    for (const x of f.removed) lines.push(`  - ${x.path}`);
    for (const x of f.changed) {
      const size = x.what.includes('size') ? `, ${formatBytes(x.a.size)} -> ${formatBytes(x.b.size)}` : '';
      const mode = x.what.includes('mode') ? `, mode ${x.a.mode.toString(8)} -> ${x.b.mode.toString(8)}` : '';
      lines.push(`  ~ ${x.path}  (${x.what.join(', ')}${size}${mode})`);
    }
    out.push(...lines.slice(0, maxFiles));
    if (lines.length > maxFiles) out.push(`  ... and ${lines.length - maxFiles} more (--json lists them all)`);
    out.push(`  ${f.totals.added} added (${formatBytes(f.totals.addedBytes)}), ${f.totals.removed} removed (${formatBytes(f.totals.removedBytes)}), ${f.totals.changed} changed, ${f.totals.unchanged} unchanged`);
  }
  return out.join('\n');
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .summary('compare two images: shared layers, config field by field, manifests, and why each identity differs')
    .argument('<a>', 'the first image: an archive, a layout, docker-archive:, oci:, docker-daemon:, docker://, or -')
    .argument('<b>', 'the second image')
    .option('--files', 'also compare the merged filesystems, file by file (reads every layer)')
    .option('--platform <os/arch[/variant]>', 'the platform to pick from image indexes')
    .option('--json', 'print the report as JSON')
    .option('-q, --quiet', 'print nothing; the exit status says whether the images differ')
    .addHelpText('after', `
Exit status, as diff(1) and cmp(1): 0 when the images are the same (the same image ID: the same config bytes,
which name the same layers; a manifest that differs only by compression still counts as the same image), 1 when
they differ, 2 on trouble (a source that cannot be read, a bad argument).
Examples:
  stowage diff app-1.tar app-2.tar
  stowage diff -q old.tar new.tar || echo changed
  stowage diff app.tar docker://registry.example.com/team/app:1      # is the digest different between them? why?
  stowage diff --files docker-daemon:app:1 docker-daemon:app:2 --json`)
    .action(async (aText: string, bText: string, opts: { files?: boolean; platform?: string; json?: boolean; quiet?: boolean }) => {
      // Trouble is status 2 here, as with diff(1): 1 means "they differ".
      try {
        process.exitCode = (await diffAction(aText, bText, opts)) ? 0 : 1;
      } catch (e) {
        if (e instanceof StowageError && e.exitCode === 1) throw new StowageError(e.message, { code: e.code, exitCode: 2 });
        throw e;
      }
    });
}

async function diffAction(aText: string, bText: string, opts: { files?: boolean; platform?: string; json?: boolean; quiet?: boolean }): Promise<boolean> {
      const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
      const a = await openSource(aText, { seekable: !!opts.files, digest: false });
      try {
        const b = await openSource(bText, { seekable: !!opts.files, digest: false });
        try {
          const r = await diff({ src: a, img: pickOne(a, platform) }, { src: b, img: pickOne(b, platform) }, { files: !!opts.files });
          if (opts.json) printJson(r);
          else if (!opts.quiet) print(renderDiff(r));
          return r.sameImageId;
        } finally {
          await b.close();
        }
      } finally {
        await a.close();
      }
}
