/**
 * The image-editing flags (`--entrypoint`, `--env K=V`, `--label-rm`, `--expose`, `--tag`, ...), shared by every
 * command that writes an image with edited metadata: `stowage edit`, `squash`, `import`. The flags, their help and
 * their checks come from the library's edit-field table (src/image/edit-fields.ts); this module only registers them
 * on a commander Command.
 *
 * Stable API (add to it, do not change it):
 *   addEditFlags(cmd, { exclude? })  registers the flags on a commander Command, under their own help headings;
 *                                    `exclude` leaves out groups: 'config', 'annotations', 'tags'
 *   editRequestFrom(opts)            turns the parsed options (cmd.opts(), or the action's options argument) into an
 *                                    EditRequest (src/image/config-edit.ts); throws UsageError (exit 2) on a malformed
 *                                    K=V, an invalid port, signal, time, path, tag, or contradicting flags
 *   EditFlagValues                   the options the flags produce, typed
 *   EDIT_ORDER_NOTE                  one help paragraph saying in which order changes apply
 */
import { collect } from './output-options.js';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { isEmptyRequest, type EditRequest } from '../image/config-edit.js';
import { EDIT_FIELDS, type EditGroup, type EditValues } from '../image/edit-fields.js';
import { editRequest, editValuesIn } from '../image/edit-request.js';

export { parseCreated, parsePorts, checkSignal } from '../image/edit-values.js';

export type EditFlagGroup = EditGroup;
export type EditFlagValues = EditValues;

export const EDIT_ORDER_NOTE = `Changes apply per field in this order: --clear-X, then --X-rm, then --X; so "--clear-labels --label a=b"
leaves exactly the label a=b. A removal that finds nothing to remove is a warning, not an error. The -rm flags
take * and ? patterns ('/var/*', 'org.opencontainers.*', '80*').`;

const HEADINGS: Record<EditGroup, string> = {
  config: 'Config changes:',
  annotations: 'OCI manifest annotations (OCI outputs and Docker 25+ archives):',
  tags: 'Tags:',
};

export function addEditFlags(cmd: Command, opts: { exclude?: EditFlagGroup[] } = {}): Command {
  const skip = new Set(opts.exclude ?? []);
  for (const f of EDIT_FIELDS) {
    if (skip.has(f.group)) continue;
    const o = new Option(f.arg ? `${f.flag} ${f.arg}` : f.flag, f.help).helpGroup(HEADINGS[f.group]);
    if (f.input === 'list') o.argParser(collect);
    // The table's name is the key commander stores the value under; a mismatch would drop the flag silently.
    if (o.attributeName() !== f.name) throw new Error(`internal: edit field ${f.name} is stored by commander as ${o.attributeName()}`);
    cmd.addOption(o);
  }
  return cmd;
}

/** Turns the parsed flags (among a command's other options) into an EditRequest, checking every value. */
export function editRequestFrom(o: EditFlagValues | Record<string, unknown>): EditRequest {
  return editRequest(editValuesIn(o as Record<string, unknown>));
}

/** Refuses a request that changes nothing at all. */
export function checkRequest(req: EditRequest): void {
  if (isEmptyRequest(req)) {
    throw new UsageError('nothing to change: give at least one change (--entrypoint, --env, --label, --volume-rm, --tag, ...; see stowage edit --help)');
  }
}
