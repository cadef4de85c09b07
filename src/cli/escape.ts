/**
 * Image strings (history `created_by`, tags, labels, file names) are untrusted, and text output goes to a terminal:
 * a raw ESC could clear the screen, retitle the window or forge an "OK" line. Every control character but the line
 * breaks and tabs stowage itself writes is shown escaped (`\x1b`, `\u202e`), as `docker history` shows them: C0
 * and C1 controls, DEL, and the Unicode line separators and bidirectional overrides that can reorder a line.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_NO_NEWLINES = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function esc(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** Escapes control characters in text for a terminal, keeping newlines and tabs. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, esc);
}

/** Escapes control characters, newlines included: for text that must stay on one line (an error message). */
export function escapeLine(text: string): string {
  return text.replace(CONTROL_NO_NEWLINES, esc);
}
