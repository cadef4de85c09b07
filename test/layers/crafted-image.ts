/** The crafted image the layers and report tests share (no peer needed): waste of every kind, known by construction. */
import { dir, file, hardlink, opaque, whiteout } from '../helpers/build-layer.js';

const X1 = 'x'.repeat(1000);
const X2 = 'y'.repeat(1000);
const D = 'D'.repeat(500);

/*
 * Layer 1 stores 2550 bytes; layer 2 overwrites a/big with other bytes, deletes a/keep and the directory d, hides
 * o/old with an opaque marker, stores D again under another name, and hard-links t/target; layer 3 writes a/big again
 * with the same bytes as layer 2, deletes t/target (the hard link keeps its content) and the empty directory e.
 */
export const LAYERS = [
  [dir('a'), file('a/big', X1), file('a/keep', 'k'.repeat(300)), file('dup1', D), dir('d'), file('d/f1', 'f'.repeat(200)),
    file('d/f2', 'g'.repeat(100)), dir('e'), dir('o'), file('o/old', 'o'.repeat(50)), dir('t'), file('t/target', 'T'.repeat(400))],
  [dir('a'), file('a/big', X2), whiteout('a/keep'), file('dup2', D), whiteout('d'), dir('o'), opaque('o'),
    file('o/new', 'n'.repeat(10)), dir('t'), hardlink('t/link', 't/target')],
  [dir('a'), file('a/big', X2), dir('t'), whiteout('t/target'), whiteout('e')],
];

