/** Writing results: JSON for machines, text for people, progress on standard error when it is a terminal. */
import { escapeControl, escapeLine } from './escape.js';
import { formatBytes } from './format.js';

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

/** Prints text for people; control characters from image strings are escaped (see escape.ts). */
export function print(text: string): void {
  const safe = escapeControl(text);
  process.stdout.write(safe.endsWith('\n') ? safe : safe + '\n');
}

export function warn(text: string): void {
  process.stderr.write(`stowage: warning: ${escapeLine(text)}\n`);
}

/** A one-line progress display on standard error, redrawn at most every 200 ms; silent when not a terminal. */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(private readonly label: string, quiet = false) {
    this.enabled = !quiet && !!process.stderr.isTTY && !process.env.STOWAGE_NO_PROGRESS;
  }

  update(done: number, total?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200 && (total === undefined || done < total)) return;
    this.last = now;
    const secs = (now - this.started) / 1000;
    const rate = secs > 0 ? `${formatBytes(done / secs)}/s` : '';
    const pct = total ? ` / ${formatBytes(total)} (${Math.floor((done / total) * 100)}%)` : '';
    process.stderr.write(`\r\x1b[K${this.label} ${formatBytes(done)}${pct} ${rate}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
