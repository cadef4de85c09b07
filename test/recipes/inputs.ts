/** Inputs for the recipe tests: the shapes layer bytes take, and sizes at the encoders' block and window edges. */
import { createHash } from 'node:crypto';

/** Deterministic pseudo-random bytes (incompressible: what compressed files inside a layer look like). */
export function noise(n: number, seed = 'noise'): Buffer {
  const out = Buffer.alloc(n);
  let h = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    h = createHash('sha256').update(h).digest();
    h.copy(out, i);
  }
  return out;
}

/** Text with words repeated at varying distances (what sources, scripts and configuration look like). */
export function text(n: number): Buffer {
  const words = ['layer', 'image', 'manifest', 'digest', 'config', 'the', 'of', 'a', 'blob', 'registry', 'func', 'return', 'if', 'err', '!=', 'nil', '{', '}', '\n', '\t'];
  const parts: string[] = [];
  let len = 0;
  let x = 12345;
  while (len < n) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const w = words[(x >>> 16) % words.length] + ((x & 7) === 0 ? String(x % 1000) : '') + ' ';
    parts.push(w);
    len += w.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

/** Mixed content: noise, long runs, text, a period just under the 32 KiB window. */
export function mixed(): Buffer {
  const period = noise(32700, 'period');
  return Buffer.concat([noise(70000), Buffer.alloc(100000, 7), text(200000), period, period, period, noise(40000, 'tail')]);
}

/** Named inputs, small enough to run at every level. */
export function shapes(): [string, Buffer][] {
  const sizes = [16, 17, 127, 128, 129, 16383, 16384, 16385, 32767, 32768, 32769, 65273, 65274, 65535, 65536, 65537, 131071, 131072, 196613];
  return [
    ['empty', Buffer.alloc(0)],
    ['1 byte', Buffer.from('x')],
    ['"hello\\n"', Buffer.from('hello\n')],
    ['1 MiB of zeros', Buffer.alloc(1 << 20)],
    ['300 kB of noise', noise(300000)],
    ['400 kB of text', text(400000)],
    ['mixed 500 kB', mixed()],
    ...sizes.map((n): [string, Buffer] => [`${n} bytes of text`, text(n)]),
    ...sizes.filter((n) => n > 1000).map((n): [string, Buffer] => [`${n} bytes of noise`, noise(n, `n${n}`)]),
  ];
}
