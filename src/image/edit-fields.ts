/**
 * The edit fields, one table: each field's name (as `cmd.opts()` and a library caller spell it: `envRm`), its flag
 * (`--env-rm`, which names the field in help and in every message), its help line, how its value is read and
 * checked, and, for a config or annotation field, the change it makes and the editor method that carries it out.
 * The CLI's flags (cli/edit-flags.ts), the request built from values (edit-request.ts), the change types below and
 * the editors' dispatch (config-edit.ts) are all read from here, so a field is added in one place.
 *
 * Order: the table lists fields as the help shows them; a request applies per family, in table order, first the
 * family's `clear` field, then its `remove` field, then its `set` field (so `--clear-labels --label a=b` leaves
 * exactly a=b), because commander keeps each flag's values but not how different flags interleave.
 */
import { UsageError } from '../errors.js';
import { parsePlatform } from '../oci/platform.js';
import type { AnnotationEditor, CommandValue, ConfigEditor } from './config-editor.js';
import {
  checkCommand, checkKey, checkPlatform, checkPortKey, checkSignal, checkTime, nameOnly, parseCommand,
  parseCreated, parseKeyValue, parsePorts, portsToRemove, text, volumePath, workdir,
} from './edit-values.js';

export type EditGroup = 'config' | 'annotations' | 'tags';
/** A flag without a value, one with a value, or one repeated (its values collected in a list). */
export type EditInput = 'switch' | 'value' | 'list';
export type InputValue<I extends EditInput> = I extends 'switch' ? boolean : I extends 'value' ? string : string[];

export interface EditField<N extends string = string, I extends EditInput = EditInput> {
  name: N;
  flag: string;
  /** The value's placeholder in help: `<name=value>`. */
  arg?: string;
  help: string;
  group: EditGroup;
  input: I;
  /** Fields of one family apply together, in phase order: clear, remove, set. */
  family: string;
  phase: 'clear' | 'remove' | 'set';
}

/** A field that makes changes of kind K with payload P, carried out by editor E. */
export interface ChangeField<N extends string, I extends EditInput, K extends string, P extends object, E> extends EditField<N, I> {
  kind: K;
  /** The changes one value as typed gives (a port range gives several), checked; a switch's text is ''. */
  parse: (text: string, flag: string) => P[];
  /** Checks a change a library caller built, with the same words `parse` uses; throws a UsageError. */
  check: (p: P, flag: string) => void;
  apply: (ed: E, p: P) => void;
}

export interface TagField<N extends string> extends EditField<N, 'list'> {
  /** `replace`: the output's tags instead of the source's; `add`: tags added to them. */
  into: 'replace' | 'add';
}

const config = <N extends string, I extends EditInput, K extends string, P extends object>(
  f: Omit<ChangeField<N, I, K, P, ConfigEditor>, 'group'>,
): ChangeField<N, I, K, P, ConfigEditor> => ({ ...f, group: 'config' });

const annotation = <N extends string, I extends EditInput, K extends string, P extends object>(
  f: Omit<ChangeField<N, I, K, P, AnnotationEditor>, 'group'>,
): ChangeField<N, I, K, P, AnnotationEditor> => ({ ...f, group: 'annotations' });

/** A switch that clears a field: no payload, nothing to check. */
const none = { parse: (): object[] => [{}], check: (): void => {} };

/** A string field of the container config where '' removes the field. */
const stringField = <N extends string, K extends string>(name: N, flag: string, arg: string, help: string, kind: K,
  apply: (ed: ConfigEditor, value: string) => void, checkValue: (flag: string, v: string) => string = (_f, v) => v) =>
  config({
    name, flag, arg, help, input: 'value', family: kind, phase: 'set', kind,
    parse: (s: string, f: string) => [{ value: checkValue(f, s) }],
    check: (p: { value: string }, f: string) => void checkValue(f, text(f, p.value)),
    apply: (ed, p: { value: string }) => apply(ed, p.value),
  });

export const CONFIG_FIELDS = [
  config({
    name: 'entrypoint', flag: '--entrypoint', arg: '<cmd>', input: 'value', family: 'entrypoint', phase: 'set', kind: 'entrypoint',
    help: 'set ENTRYPOINT: a JSON array (exec form) or a string run by the image\'s shell (/bin/sh -c)',
    parse: (s, f) => [{ value: parseCommand(f, s, '--clear-entrypoint') }],
    check: (p: { value: CommandValue }, f) => void checkCommand(f, p.value, '--clear-entrypoint'),
    apply: (ed, p) => ed.setCommand('Entrypoint', p.value),
  }),
  config({
    name: 'clearEntrypoint', flag: '--clear-entrypoint', input: 'switch', family: 'entrypoint', phase: 'clear', kind: 'clear-entrypoint',
    help: 'remove ENTRYPOINT', ...none, apply: (ed) => ed.remove('Entrypoint', 'ENTRYPOINT'),
  }),
  config({
    name: 'cmd', flag: '--cmd', arg: '<cmd>', input: 'value', family: 'cmd', phase: 'set', kind: 'cmd',
    help: 'set CMD: a JSON array or a shell string (setting ENTRYPOINT leaves CMD alone)',
    parse: (s, f) => [{ value: parseCommand(f, s, '--clear-cmd') }],
    check: (p: { value: CommandValue }, f) => void checkCommand(f, p.value, '--clear-cmd'),
    apply: (ed, p) => ed.setCommand('Cmd', p.value),
  }),
  config({
    name: 'clearCmd', flag: '--clear-cmd', input: 'switch', family: 'cmd', phase: 'clear', kind: 'clear-cmd',
    help: 'remove CMD', ...none, apply: (ed) => ed.remove('Cmd', 'CMD'),
  }),
  config({
    name: 'env', flag: '--env', arg: '<name=value>', input: 'list', family: 'env', phase: 'set', kind: 'env',
    help: 'set an environment variable (repeatable)',
    parse: (s, f) => {
      const [name, value] = parseKeyValue(f, s, ['NAME', 'VALUE']);
      return [{ name, value }];
    },
    check: (p: { name: string; value: string }, f) => {
      const value = text(f, p.value);
      const name = text(f, p.name);
      checkKey(f, `${name}=${value}`, name, 'NAME');
      if (name.includes('=')) throw new UsageError(`${f} ${JSON.stringify(name)}: the name contains "="`);
    },
    apply: (ed, p) => ed.setEnv(p.name, p.value),
  }),
  config({
    name: 'envRm', flag: '--env-rm', arg: '<name>', input: 'list', family: 'env', phase: 'remove', kind: 'env-rm',
    help: 'remove an environment variable (repeatable; * ? patterns)',
    parse: (s, f) => [{ name: nameOnly(f, s) }],
    check: (p: { name: string }, f) => void nameOnly(f, text(f, p.name)),
    apply: (ed, p) => ed.removeEnv(p.name),
  }),
  config({
    name: 'clearEnv', flag: '--clear-env', input: 'switch', family: 'env', phase: 'clear', kind: 'clear-env',
    help: 'remove every environment variable', ...none, apply: (ed) => ed.clearEnv(),
  }),
  config({
    name: 'label', flag: '--label', arg: '<key=value>', input: 'list', family: 'label', phase: 'set', kind: 'label',
    help: 'set a label (repeatable)',
    parse: (s, f) => {
      const [key, value] = parseKeyValue(f, s, ['KEY', 'VALUE']);
      return [{ key, value }];
    },
    check: (p: { key: string; value: string }, f) => void checkKey(f, `${text(f, p.key)}=${text(f, p.value)}`, p.key, 'KEY'),
    apply: (ed, p) => ed.setIn('label', p.key, p.value),
  }),
  config({
    name: 'labelRm', flag: '--label-rm', arg: '<key>', input: 'list', family: 'label', phase: 'remove', kind: 'label-rm',
    help: 'remove a label (repeatable; patterns)',
    parse: (s, f) => [{ key: nameOnly(f, s) }],
    check: (p: { key: string }, f) => void nameOnly(f, text(f, p.key)),
    apply: (ed, p) => ed.removeFrom('label', p.key),
  }),
  config({
    name: 'clearLabels', flag: '--clear-labels', input: 'switch', family: 'label', phase: 'clear', kind: 'clear-labels',
    help: 'remove every label', ...none, apply: (ed) => ed.clearMap('label'),
  }),
  config({
    name: 'volume', flag: '--volume', arg: '<path>', input: 'list', family: 'volume', phase: 'set', kind: 'volume',
    help: 'add a VOLUME (repeatable)',
    parse: (s, f) => [{ path: volumePath(f, s, false) }],
    check: (p: { path: string }, f) => void volumePath(f, text(f, p.path), false),
    apply: (ed, p) => ed.setIn('volume', p.path, null),
  }),
  config({
    name: 'volumeRm', flag: '--volume-rm', arg: '<path>', input: 'list', family: 'volume', phase: 'remove', kind: 'volume-rm',
    help: 'remove a VOLUME (repeatable; patterns)',
    parse: (s, f) => [{ path: volumePath(f, s, true) }],
    check: (p: { path: string }, f) => void volumePath(f, text(f, p.path), true),
    apply: (ed, p) => ed.removeFrom('volume', p.path),
  }),
  config({
    name: 'clearVolumes', flag: '--clear-volumes', input: 'switch', family: 'volume', phase: 'clear', kind: 'clear-volumes',
    help: 'remove every VOLUME', ...none, apply: (ed) => ed.clearMap('volume'),
  }),
  config({
    name: 'expose', flag: '--expose', arg: '<port[/proto]>', input: 'list', family: 'expose', phase: 'set', kind: 'expose',
    help: 'EXPOSE a port: 80, 53/udp, 8000-8010/tcp (repeatable)',
    parse: (s, f) => parsePorts(f, s).map((port) => ({ port })),
    check: (p: { port: string }, f) => void checkPortKey(f, text(f, p.port)),
    apply: (ed, p) => ed.setIn('expose', p.port, null),
  }),
  config({
    name: 'exposeRm', flag: '--expose-rm', arg: '<port[/proto]>', input: 'list', family: 'expose', phase: 'remove', kind: 'expose-rm',
    help: 'un-EXPOSE a port; without /proto every protocol (repeatable; patterns)',
    parse: (s, f) => portsToRemove(f, s).map((port) => ({ port })),
    check: (p: { port: string }, f) => void portsToRemove(f, text(f, p.port)),
    apply: (ed, p) => ed.removeFrom('expose', p.port),
  }),
  config({
    name: 'clearExposed', flag: '--clear-exposed', input: 'switch', family: 'expose', phase: 'clear', kind: 'clear-exposed',
    help: 'un-EXPOSE every port', ...none, apply: (ed) => ed.clearMap('expose'),
  }),
  stringField('user', '--user', '<user>', 'set USER (user[:group], names or ids; \'\' removes it)', 'user',
    (ed, v) => ed.setString('User', v, 'USER')),
  stringField('workdir', '--workdir', '<dir>', 'set WORKDIR (\'\' removes it)', 'workdir',
    (ed, v) => ed.setString('WorkingDir', v, 'WORKDIR'), workdir),
  stringField('stopSignal', '--stop-signal', '<signal>', 'set STOPSIGNAL: SIGTERM, TERM, 15 (\'\' removes it)', 'stop-signal',
    (ed, v) => ed.setString('StopSignal', v, 'STOPSIGNAL'), checkSignal),
  config({
    name: 'clearHealthcheck', flag: '--clear-healthcheck', input: 'switch', family: 'healthcheck', phase: 'clear', kind: 'clear-healthcheck',
    help: 'remove HEALTHCHECK', ...none, apply: (ed) => ed.remove('Healthcheck', 'HEALTHCHECK'),
  }),
  stringField('hostname', '--hostname', '<name>', 'set the config\'s Hostname (\'\' removes it)', 'hostname',
    (ed, v) => ed.setString('Hostname', v, 'hostname')),
  stringField('domainname', '--domainname', '<name>', 'set the config\'s Domainname (\'\' removes it)', 'domainname',
    (ed, v) => ed.setString('Domainname', v, 'domainname')),
  stringField('author', '--author', '<text>', 'set the author (MAINTAINER; \'\' removes it)', 'author', (ed, v) => ed.author(v)),
  config({
    name: 'created', flag: '--created', arg: '<time>', input: 'value', family: 'created', phase: 'set', kind: 'created',
    help: 'set the created time: RFC 3339 (2024-05-01T12:00:00Z), @UNIXSECONDS, or now',
    parse: (s, f) => [{ value: parseCreated(f, s) }],
    check: (p: { value: string }, f) => void checkTime(f, text(f, p.value)),
    apply: (ed, p) => ed.created(p.value),
  }),
  config({
    name: 'setPlatform', flag: '--set-platform', arg: '<os/arch[/variant]>', input: 'value', family: 'platform', phase: 'set', kind: 'platform',
    help: 'set the config\'s os, architecture and variant',
    parse: (s) => {
      const p = parsePlatform(s);
      return [{ os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) } as { os: string; architecture: string; variant?: string }];
    },
    check: (p: { os: string; architecture: string; variant?: string }) => void checkPlatform(p),
    apply: (ed, p) => ed.platform(p.os, p.architecture, p.variant),
  }),
] as const;

export const ANNOTATION_FIELDS = [
  annotation({
    name: 'annotation', flag: '--annotation', arg: '<key=value>', input: 'list', family: 'annotation', phase: 'set', kind: 'annotation',
    help: 'set a manifest annotation (repeatable)',
    parse: (s, f) => {
      const [key, value] = parseKeyValue(f, s, ['KEY', 'VALUE']);
      return [{ key, value }];
    },
    check: (p: { key: string; value: string }, f) => void checkKey(f, `${text(f, p.key)}=${text(f, p.value)}`, p.key, 'KEY'),
    apply: (ed, p) => ed.set(p.key, p.value),
  }),
  annotation({
    name: 'annotationRm', flag: '--annotation-rm', arg: '<key>', input: 'list', family: 'annotation', phase: 'remove', kind: 'annotation-rm',
    help: 'remove a manifest annotation (repeatable; patterns)',
    parse: (s, f) => [{ key: nameOnly(f, s) }],
    check: (p: { key: string }, f) => void nameOnly(f, text(f, p.key)),
    apply: (ed, p) => ed.remove(p.key),
  }),
  annotation({
    name: 'clearAnnotations', flag: '--clear-annotations', input: 'switch', family: 'annotation', phase: 'clear', kind: 'clear-annotations',
    help: 'remove every manifest annotation', ...none, apply: (ed) => ed.clear(),
  }),
] as const;

export const TAG_FIELDS = [
  { name: 'tag', flag: '--tag', arg: '<name:tag>', group: 'tags', input: 'list', family: 'tags', phase: 'set', into: 'replace',
    help: 'the tags the output carries, replacing the source\'s (repeatable)' },
  { name: 'addTag', flag: '--add-tag', arg: '<name:tag>', group: 'tags', input: 'list', family: 'tags', phase: 'set', into: 'add',
    help: 'a tag added to the source\'s (repeatable)' },
] as const satisfies readonly TagField<string>[];

/** Every field, in help order. */
export const EDIT_FIELDS: readonly EditField[] = [...CONFIG_FIELDS, ...ANNOTATION_FIELDS, ...TAG_FIELDS];

type ChangeOf<F> = F extends ChangeField<string, EditInput, infer K, infer P, infer _E> ? { kind: K } & P : never;
type AnyField = (typeof CONFIG_FIELDS)[number] | (typeof ANNOTATION_FIELDS)[number] | (typeof TAG_FIELDS)[number];

/** One change to the config: `{ kind: 'label', key, value }`, `{ kind: 'expose', port: '80/tcp' }`, ... */
export type ConfigChange = ChangeOf<(typeof CONFIG_FIELDS)[number]>;
/** One change to the OCI manifest's annotations. */
export type AnnotationChange = ChangeOf<(typeof ANNOTATION_FIELDS)[number]>;

/** The value of each field as typed (what commander's opts() holds): a switch true, a value a string, a list strings. */
export type EditValues = { [F in AnyField as F['name']]?: InputValue<F['input']> };

export interface TagRequest {
  /** Replaces the source's tags (an empty list: the output is untagged). */
  replace?: string[];
  /** Added to the source's tags (or to `replace`). */
  add?: string[];
}

export interface EditRequest {
  config: ConfigChange[];
  annotations: AnnotationChange[];
  tags?: TagRequest;
}

type AnyChangeField<E> = ChangeField<string, EditInput, string, any, E>; // eslint-disable-line @typescript-eslint/no-explicit-any

const byKind = <E>(fields: readonly AnyChangeField<E>[]) => new Map(fields.map((f) => [f.kind, f]));
const CONFIG_BY_KIND = byKind<ConfigEditor>(CONFIG_FIELDS);
const ANNOTATION_BY_KIND = byKind<AnnotationEditor>(ANNOTATION_FIELDS);

function fieldFor<E>(table: Map<string, AnyChangeField<E>>, ch: { kind: unknown }, what: string): AnyChangeField<E> {
  const f = typeof ch?.kind === 'string' ? table.get(ch.kind) : undefined;
  if (!f) throw new UsageError(`unknown ${what} change ${JSON.stringify(ch?.kind ?? ch)} (known: ${[...table.keys()].join(', ')})`);
  return f;
}

/** The config field a change belongs to, checked: the one place a typed change is validated and dispatched. */
export function configField(ch: ConfigChange): AnyChangeField<ConfigEditor> {
  const f = fieldFor(CONFIG_BY_KIND, ch, 'config');
  f.check(ch, f.flag);
  return f;
}

export function annotationField(ch: AnnotationChange): AnyChangeField<AnnotationEditor> {
  const f = fieldFor(ANNOTATION_BY_KIND, ch, 'annotation');
  f.check(ch, f.flag);
  return f;
}
