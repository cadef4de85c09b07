/**
 * The image-editing flags (`--entrypoint`, `--env K=V`, `--label-rm`, `--expose`, `--tag`, ...), shared by every
 * command that writes an image with edited metadata: `stowage edit`, `squash`, `import`.
 *
 * Stable API (add to it, do not change it):
 *   addEditFlags(cmd, { exclude? })  registers the flags on a commander Command, under their own help headings;
 *                                    `exclude` leaves out groups: 'config', 'annotations', 'tags'
 *   editRequestFrom(opts)            turns the parsed options (cmd.opts(), or the action's options argument) into an
 *                                    EditRequest (src/image/config-edit.ts); throws UsageError (exit 2) on a malformed
 *                                    K=V, an invalid port, signal, time, path, tag, or contradicting flags
 *   EditFlagValues                   the options the flags produce, typed
 *   EDIT_ORDER_NOTE                  one help paragraph saying in which order changes apply
 *
 * Commander keeps each flag's values but not how different flags interleave, so the order is fixed instead of taken
 * from the command line: per field, first `--clear-X`, then `--X-rm`, then `--X` (so `--clear-labels --label a=b`
 * leaves exactly a=b).
 */
import { collect } from './output-options.js';
import { constants } from 'node:os';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { goTime } from '../oci/gojson.js';
import { parsePlatform } from '../oci/platform.js';
import { parseReference } from '../oci/reference.js';
import { isEmptyRequest, isPattern, type AnnotationChange, type CommandValue, type ConfigChange, type EditRequest } from '../image/config-edit.js';

export type EditFlagGroup = 'config' | 'annotations' | 'tags';

export interface EditFlagValues {
  entrypoint?: string;
  clearEntrypoint?: boolean;
  cmd?: string;
  clearCmd?: boolean;
  env?: string[];
  envRm?: string[];
  clearEnv?: boolean;
  label?: string[];
  labelRm?: string[];
  clearLabels?: boolean;
  volume?: string[];
  volumeRm?: string[];
  clearVolumes?: boolean;
  expose?: string[];
  exposeRm?: string[];
  clearExposed?: boolean;
  user?: string;
  workdir?: string;
  stopSignal?: string;
  clearHealthcheck?: boolean;
  hostname?: string;
  domainname?: string;
  author?: string;
  created?: string;
  setPlatform?: string;
  annotation?: string[];
  annotationRm?: string[];
  clearAnnotations?: boolean;
  tag?: string[];
  addTag?: string[];
}

export const EDIT_ORDER_NOTE = `Changes apply per field in this order: --clear-X, then --X-rm, then --X; so "--clear-labels --label a=b"
leaves exactly the label a=b. A removal that finds nothing to remove is a warning, not an error. The -rm flags
take * and ? patterns ('/var/*', 'org.opencontainers.*', '80*').`;


export function addEditFlags(cmd: Command, opts: { exclude?: EditFlagGroup[] } = {}): Command {
  const skip = new Set(opts.exclude ?? []);
  const add = (group: string, o: Option) => cmd.addOption(o.helpGroup(group));
  const many = (flags: string, desc: string) => new Option(flags, desc).argParser(collect);
  if (!skip.has('config')) {
    const g = 'Config changes:';
    add(g, new Option('--entrypoint <cmd>', 'set ENTRYPOINT: a JSON array (exec form) or a string run by the image\'s shell (/bin/sh -c)'));
    add(g, new Option('--clear-entrypoint', 'remove ENTRYPOINT'));
    add(g, new Option('--cmd <cmd>', 'set CMD: a JSON array or a shell string (setting ENTRYPOINT leaves CMD alone)'));
    add(g, new Option('--clear-cmd', 'remove CMD'));
    add(g, many('--env <name=value>', 'set an environment variable (repeatable)'));
    add(g, many('--env-rm <name>', 'remove an environment variable (repeatable; * ? patterns)'));
    add(g, new Option('--clear-env', 'remove every environment variable'));
    add(g, many('--label <key=value>', 'set a label (repeatable)'));
    add(g, many('--label-rm <key>', 'remove a label (repeatable; patterns)'));
    add(g, new Option('--clear-labels', 'remove every label'));
    add(g, many('--volume <path>', 'add a VOLUME (repeatable)'));
    add(g, many('--volume-rm <path>', 'remove a VOLUME (repeatable; patterns)'));
    add(g, new Option('--clear-volumes', 'remove every VOLUME'));
    add(g, many('--expose <port[/proto]>', 'EXPOSE a port: 80, 53/udp, 8000-8010/tcp (repeatable)'));
    add(g, many('--expose-rm <port[/proto]>', 'un-EXPOSE a port; without /proto every protocol (repeatable; patterns)'));
    add(g, new Option('--clear-exposed', 'un-EXPOSE every port'));
    add(g, new Option('--user <user>', 'set USER (user[:group], names or ids; \'\' removes it)'));
    add(g, new Option('--workdir <dir>', 'set WORKDIR (\'\' removes it)'));
    add(g, new Option('--stop-signal <signal>', 'set STOPSIGNAL: SIGTERM, TERM, 15 (\'\' removes it)'));
    add(g, new Option('--clear-healthcheck', 'remove HEALTHCHECK'));
    add(g, new Option('--hostname <name>', 'set the config\'s Hostname (\'\' removes it)'));
    add(g, new Option('--domainname <name>', 'set the config\'s Domainname (\'\' removes it)'));
    add(g, new Option('--author <text>', 'set the author (MAINTAINER; \'\' removes it)'));
    add(g, new Option('--created <time>', 'set the created time: RFC 3339 (2024-05-01T12:00:00Z), @UNIXSECONDS, or now'));
    add(g, new Option('--set-platform <os/arch[/variant]>', 'set the config\'s os, architecture and variant'));
  }
  if (!skip.has('annotations')) {
    const g = 'OCI manifest annotations (OCI outputs and Docker 25+ archives):';
    add(g, many('--annotation <key=value>', 'set a manifest annotation (repeatable)'));
    add(g, many('--annotation-rm <key>', 'remove a manifest annotation (repeatable; patterns)'));
    add(g, new Option('--clear-annotations', 'remove every manifest annotation'));
  }
  if (!skip.has('tags')) {
    const g = 'Tags:';
    add(g, many('--tag <name:tag>', 'the tags the output carries, replacing the source\'s (repeatable)'));
    add(g, many('--add-tag <name:tag>', 'a tag added to the source\'s (repeatable)'));
  }
  return cmd;
}

function keyValue(flag: string, text: string, what: [string, string]): [string, string] {
  const i = text.indexOf('=');
  if (i === -1) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected ${what[0]}=${what[1]}`);
  const k = text.slice(0, i);
  if (k === '') throw new UsageError(`${flag} ${JSON.stringify(text)}: empty ${what[0].toLowerCase()} before "="`);
  if (/[\s\0]/.test(k)) throw new UsageError(`${flag} ${JSON.stringify(text)}: the ${what[0].toLowerCase()} contains white space`);
  return [k, text.slice(i + 1)];
}

function nameOnly(flag: string, text: string): string {
  if (text === '') throw new UsageError(`${flag}: empty name`);
  if (text.includes('=')) throw new UsageError(`${flag} ${JSON.stringify(text)}: give the name only, without "="`);
  return text;
}

function command(flag: string, text: string, clearFlag: string): CommandValue {
  if (text.trim() === '') throw new UsageError(`${flag}: empty; use ${clearFlag} to remove it`);
  if (!text.trimStart().startsWith('[')) return { shell: text };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: not valid JSON (an exec form is a JSON array of strings, like ["/app","--serve"])`);
  }
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a JSON array of strings`);
  return v as string[];
}

const ABSOLUTE = /^(\/|[A-Za-z]:[\\/])/;

function volumePath(flag: string, text: string, patterns: boolean): string {
  if (text === '') throw new UsageError(`${flag}: empty path`);
  if (patterns && isPattern(text)) return text;
  if (!ABSOLUTE.test(text)) throw new UsageError(`${flag} ${JSON.stringify(text)}: a volume must be an absolute path`);
  return text;
}

const PORT_RE = /^(\d+)(?:-(\d+))?(?:\/([A-Za-z]+))?$/;
const PROTOCOLS = ['tcp', 'udp', 'sctp'];
const MAX_RANGE = 65535;

/** `80`, `80/udp`, `8000-8010/tcp` -> the config's keys (`80/tcp`, ...). */
export function parsePorts(flag: string, text: string): string[] {
  const m = PORT_RE.exec(text);
  const bad = (why: string): never => {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: ${why}`);
  };
  if (!m) bad('expected PORT[/PROTOCOL] or START-END[/PROTOCOL], like 80, 53/udp or 8000-8010/tcp');
  const proto = (m![3] ?? 'tcp').toLowerCase();
  if (!PROTOCOLS.includes(proto)) bad(`unknown protocol ${JSON.stringify(m![3])} (tcp, udp or sctp)`);
  const start = Number(m![1]);
  const end = m![2] === undefined ? start : Number(m![2]);
  for (const p of [start, end]) if (!Number.isInteger(p) || p < 1 || p > 65535) bad(`port ${p} is outside 1-65535`);
  if (end < start) bad('the range ends before it starts');
  if (end - start + 1 > MAX_RANGE) bad('range too large');
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

/** An --expose-rm argument: a pattern as given, a port or range with its protocol, or a bare port (any protocol). */
function portsToRemove(flag: string, text: string): string[] {
  if (text === '') throw new UsageError(`${flag}: empty port`);
  if (isPattern(text)) return [text];
  const ports = parsePorts(flag, text);
  return text.includes('/') ? ports : ports.map((p) => p.split('/')[0]!);
}

/** Signals as moby's ParseSignal takes them: a number, or a name with or without SIG, any case. */
export function checkSignal(flag: string, text: string): string {
  const bad = (): never => {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: not a signal (give a name such as SIGTERM or TERM, or a number 1-64)`);
  };
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > 64) bad();
    return text;
  }
  const name = text.toUpperCase().replace(/^SIG/, '');
  if (/^RT(MIN|MAX)([+-]\d+)?$/.test(name)) return text;
  if (!Object.keys(constants.signals).includes(`SIG${name}`)) bad();
  return text;
}

/** RFC 3339 (what Go's time.Time reads), @SECONDS, or now. */
export function parseCreated(flag: string, text: string, now: () => Date = () => new Date()): string {
  if (text === 'now') return now().toISOString();
  const epoch = /^@(\d+)$/.exec(text);
  if (epoch) {
    const d = new Date(Number(epoch[1]) * 1000);
    if (Number.isNaN(d.getTime())) throw new UsageError(`${flag} ${JSON.stringify(text)}: out of range`);
    return d.toISOString().replace('.000Z', 'Z');
  }
  if (goTime(text) === undefined || Number.isNaN(Date.parse(text))) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected an RFC 3339 time such as 2024-05-01T12:00:00Z, @UNIXSECONDS, or now`);
  }
  return text;
}

function checkTag(flag: string, text: string): string {
  let r;
  try {
    r = parseReference(text);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
  if (r.digest) throw new UsageError(`${flag} ${JSON.stringify(text)}: a tag cannot hold a digest`);
  return text;
}

function notBoth(a: unknown, b: unknown, fa: string, fb: string): void {
  if (a !== undefined && a !== false && b) throw new UsageError(`give ${fa} or ${fb}, not both`);
}

/** Turns the parsed flags into an EditRequest, checking every value. */
export function editRequestFrom(o: EditFlagValues): EditRequest {
  const config: ConfigChange[] = [];
  notBoth(o.entrypoint, o.clearEntrypoint, '--entrypoint', '--clear-entrypoint');
  notBoth(o.cmd, o.clearCmd, '--cmd', '--clear-cmd');
  if (o.clearEntrypoint) config.push({ kind: 'clear-entrypoint' });
  if (o.entrypoint !== undefined) config.push({ kind: 'entrypoint', value: command('--entrypoint', o.entrypoint, '--clear-entrypoint') });
  if (o.clearCmd) config.push({ kind: 'clear-cmd' });
  if (o.cmd !== undefined) config.push({ kind: 'cmd', value: command('--cmd', o.cmd, '--clear-cmd') });

  if (o.clearEnv) config.push({ kind: 'clear-env' });
  for (const n of o.envRm ?? []) config.push({ kind: 'env-rm', name: nameOnly('--env-rm', n) });
  for (const kv of o.env ?? []) {
    const [name, value] = keyValue('--env', kv, ['NAME', 'VALUE']);
    config.push({ kind: 'env', name, value });
  }

  if (o.clearLabels) config.push({ kind: 'clear-labels' });
  for (const k of o.labelRm ?? []) config.push({ kind: 'label-rm', key: nameOnly('--label-rm', k) });
  for (const kv of o.label ?? []) {
    const [key, value] = keyValue('--label', kv, ['KEY', 'VALUE']);
    config.push({ kind: 'label', key, value });
  }

  if (o.clearVolumes) config.push({ kind: 'clear-volumes' });
  for (const p of o.volumeRm ?? []) config.push({ kind: 'volume-rm', path: volumePath('--volume-rm', p, true) });
  for (const p of o.volume ?? []) config.push({ kind: 'volume', path: volumePath('--volume', p, false) });

  if (o.clearExposed) config.push({ kind: 'clear-exposed' });
  for (const p of o.exposeRm ?? []) for (const port of portsToRemove('--expose-rm', p)) config.push({ kind: 'expose-rm', port });
  for (const p of o.expose ?? []) for (const port of parsePorts('--expose', p)) config.push({ kind: 'expose', port });

  if (o.user !== undefined) config.push({ kind: 'user', value: o.user });
  if (o.workdir !== undefined) {
    if (o.workdir !== '' && !ABSOLUTE.test(o.workdir)) throw new UsageError(`--workdir ${JSON.stringify(o.workdir)}: must be an absolute path`);
    config.push({ kind: 'workdir', value: o.workdir });
  }
  if (o.stopSignal !== undefined) config.push({ kind: 'stop-signal', value: o.stopSignal === '' ? '' : checkSignal('--stop-signal', o.stopSignal) });
  if (o.clearHealthcheck) config.push({ kind: 'clear-healthcheck' });
  if (o.hostname !== undefined) config.push({ kind: 'hostname', value: o.hostname });
  if (o.domainname !== undefined) config.push({ kind: 'domainname', value: o.domainname });
  if (o.author !== undefined) config.push({ kind: 'author', value: o.author });
  if (o.created !== undefined) config.push({ kind: 'created', value: parseCreated('--created', o.created) });
  if (o.setPlatform !== undefined) {
    const p = parsePlatform(o.setPlatform);
    config.push({ kind: 'platform', os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) });
  }

  const annotations: AnnotationChange[] = [];
  if (o.clearAnnotations) annotations.push({ kind: 'clear-annotations' });
  for (const k of o.annotationRm ?? []) annotations.push({ kind: 'annotation-rm', key: nameOnly('--annotation-rm', k) });
  for (const kv of o.annotation ?? []) {
    const [key, value] = keyValue('--annotation', kv, ['KEY', 'VALUE']);
    annotations.push({ kind: 'annotation', key, value });
  }

  const req: EditRequest = { config, annotations };
  if (o.tag !== undefined || o.addTag !== undefined) {
    req.tags = {};
    if (o.tag !== undefined) req.tags.replace = o.tag.map((t) => checkTag('--tag', t));
    if (o.addTag !== undefined) req.tags.add = o.addTag.map((t) => checkTag('--add-tag', t));
  }
  return req;
}

/** Refuses a request that changes nothing at all. */
export function checkRequest(req: EditRequest): void {
  if (isEmptyRequest(req)) {
    throw new UsageError('nothing to change: give at least one change (--entrypoint, --env, --label, --volume-rm, --tag, ...; see stowage edit --help)');
  }
}
