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

/**
 * One progress line: `label [=====>    ]  45%  512 MB / 1.12 GB  87.1 MB/s  3 s left  layer 2/3`; without a total,
 * the bytes and the rate only. `width` is the terminal's; the bar takes what the words leave.
 */
export function progressLine(label: string, done: number, total: number | undefined, secs: number, width = 80, item?: string): string {
  const rate = secs > 0.05 ? done / secs : 0;
  const rateText = rate > 0 ? `${formatBytes(rate)}/s` : '';
  const tail = item ? `  ${item}` : '';
  if (!total) return `${label}  ${formatBytes(done)}  ${rateText}${tail}`.trimEnd();
  const f = Math.min(1, done / total);
  const left = rate > 0 && f < 1 ? `  ${formatSeconds((total - done) / rate)} left` : '';
  const words = `  ${String(Math.floor(f * 100)).padStart(3)}%  ${formatBytes(done)} / ${formatBytes(total)}  ${rateText}${left}${tail}`;
  // A fixed width for a given label and terminal, so the bar does not jump as the numbers change.
  const barWidth = Math.max(10, Math.min(30, width - label.length - 64));
  const full = Math.floor(f * barWidth);
  const bar = '='.repeat(full) + (full < barWidth ? '>' : '') + ' '.repeat(Math.max(0, barWidth - full - 1));
  return `${label} [${bar}]${words}`;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * A progress bar on standard error, redrawn at most every 200 ms; only on a terminal, never with -q, never on a
 * pipe or a file (STOWAGE_NO_PROGRESS=1 turns it off too).
 */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly started = Date.now();
  private readonly enabled: boolean;
  private total: number | undefined;
  private item: string | undefined;

  constructor(private readonly label: string, quiet = false) {
    this.enabled = !quiet && !!process.stderr.isTTY && !process.env.STOWAGE_NO_PROGRESS;
  }

  /** Sets the total, when it becomes known after the start. */
  setTotal(total: number | undefined): void {
    this.total = total;
  }

  /** A few words after the bar: which layer, which image. */
  setItem(item: string | undefined): void {
    this.item = item;
  }

  update(done: number, total?: number): void {
    if (!this.enabled) return;
    if (total !== undefined) this.total = total;
    const now = Date.now();
    if (now - this.last < 200 && (this.total === undefined || done < this.total)) return;
    this.last = now;
    const line = progressLine(this.label, done, this.total, (now - this.started) / 1000, process.stderr.columns || 80, this.item);
    process.stderr.write(`\r\x1b[K${line}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}
