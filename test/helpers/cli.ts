/** Runs the real stowage binary (dist/src/cli/main.js) as a user would. */
import { spawn, spawnSync } from 'node:child_process';
import { CLI } from './paths.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function stowage(args: string[], opts: { input?: Buffer | string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input: opts.input,
    env: { ...process.env, STOWAGE_NO_PROGRESS: '1', ...(opts.env ?? {}) },
    cwd: opts.cwd,
    maxBuffer: 256 << 20,
  });
  return { status: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/**
 * Runs a command without blocking this process's event loop: tests whose helper servers (a token service, a fault
 * proxy) live in the test process must not use spawnSync, or the server could never answer.
 */
export function runAsync(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...(opts.env ?? {}) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

/** Runs stowage with a file piped to its standard input (streamed, not buffered). */
export function stowagePiped(args: string[], inputFile: string): Promise<CliResult> {
  return runAsync('sh', ['-c', `cat "$0" | "${process.execPath}" "${CLI}" "$@"`, inputFile, ...args], { env: { STOWAGE_NO_PROGRESS: '1' } });
}

export function json<T = any>(r: CliResult): T {
  if (r.status !== 0) throw new Error(`stowage failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Asserts the shape every expected failure must have: one line on stderr, no stack trace. */
export function oneLineError(r: CliResult): string {
  const lines = r.stderr.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  if (/\n\s+at /.test(r.stderr) || /internal error/.test(r.stderr)) throw new Error(`stack trace or internal error:\n${r.stderr}`);
  return lines[0]!;
}
