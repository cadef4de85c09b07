/**
 * Runs the real CLI and measures it: peak RSS (GNU time's maximum resident set size, or VmHWM polled from /proc
 * when /usr/bin/time is absent) and wall time, with a hard timeout so a runaway input fails the test instead of
 * hanging it.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { CLI } from '../helpers/paths.js';

export interface Measured {
  status: number;
  stdout: string;
  stderr: string;
  /** Peak resident set, in MB. */
  rssMB: number;
  seconds: number;
  /** Killed by the timeout. */
  timedOut: boolean;
}

/** The bounds the issue sets for every input under 10 MB. */
export const RSS_LIMIT_MB = 250;
export const TIME_LIMIT_S = 10;

const GNU_TIME = '/usr/bin/time';

/** Runs stowage with `args`; `stdinFile` is piped to its standard input (decompressed on the way with `gunzip`). */
export function measure(args: string[], o: { stdinFile?: string; gunzip?: boolean; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'stowage-measure-'));
  const rssFile = join(dir, 'rss');
  const useTime = existsSync(GNU_TIME);
  const node = [process.execPath, CLI, ...args];
  const cmd = useTime ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...node] : node;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), {
      env: { ...process.env, STOWAGE_NO_PROGRESS: '1', ...(o.env ?? {}) },
      stdio: [o.stdinFile ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      cwd: o.cwd,
      // Its own process group, so a timeout kills the CLI too, not only GNU time above it.
      detached: true,
    });
    if (o.stdinFile) {
      const rs = createReadStream(o.stdinFile);
      // gunzip: the test feeds the uncompressed stream without keeping it on disk.
      (o.gunzip ? rs.pipe(createGunzip()) : rs).pipe(child.stdin!);
      child.stdin!.on('error', () => undefined); // the CLI may stop reading early (a refused input)
    }
    let stdout = '';
    let stderr = '';
    let peakKB = 0;
    let timedOut = false;
    child.stdout!.on('data', (d) => { if (stdout.length < 64 << 20) stdout += d; });
    child.stderr!.on('data', (d) => { if (stderr.length < 1 << 20) stderr += d; });
    // Without GNU time, poll the high-water mark of every process in the child's tree we can see.
    const poll = useTime ? undefined : setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKB = Math.max(peakKB, Number(m[1]));
      } catch { /* gone */ }
    }, 20);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (useTime) {
        try {
          const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
          peakKB = Number(lines[lines.length - 1]) || 0;
        } catch { /* killed */ }
      }
      rmSync(dir, { recursive: true, force: true });
      // GNU time reports a killed child's status in its own message; keep only the CLI's stderr.
      stderr = stderr.split('\n').filter((l) => !/^Command (exited with non-zero status|terminated by signal)/.test(l)).join('\n');
      resolve({
        status: code ?? -1,
        stdout,
        stderr,
        rssMB: Math.round(peakKB / 1024),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        timedOut,
      });
    });
  });
}

/** Asserts the shape of a refusal: exit 1, one line, no trace, no "internal error". Returns the line. */
export function refused(r: Measured): string {
  const lines = r.stderr.trim().split('\n');
  if (r.timedOut) throw new Error(`timed out after ${r.seconds.toFixed(1)} s (RSS ${r.rssMB} MB)`);
  if (r.status !== 1) throw new Error(`expected exit 1, got ${r.status}:\n${r.stderr.slice(0, 2000)}`);
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${r.stderr.slice(0, 2000)}`);
  if (/\n\s+at /.test(r.stderr) || /internal error/.test(r.stderr)) throw new Error(`stack trace or internal error:\n${r.stderr.slice(0, 2000)}`);
  return lines[0]!;
}

/**
 * Asserts the bounds: under 250 MB, and no runaway (the 10 s the issue sets, with room for a machine shared by
 * other jobs; the figures measured alone are in the notes).
 */
export function bounded(r: Measured, what: string): void {
  if (r.rssMB > RSS_LIMIT_MB) throw new Error(`${what}: peak RSS ${r.rssMB} MB, over ${RSS_LIMIT_MB} MB`);
  if (r.seconds > TIME_LIMIT_S * 3) throw new Error(`${what}: took ${r.seconds.toFixed(1)} s`);
}
