/**
 * bench/gnu-gzip-zlib.sh's measurement: for each file and level, whether three deflate encoders make the same raw
 * deflate stream (headers aside): GNU gzip (`gzip -LEVEL -n`, read from the file), vanilla zlib (the system's libz
 * through python3's zlib module, windowBits -15, memLevel 8) and Node's own zlib (Chromium's fork bundled in Node).
 * Prints one line per level with the counts, and the files where each pair differs.
 * Usage: node dist/bench/gnu-gzip-zlib.js LEVELS FILE...   (LEVELS like "6,9")
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';

const [levelList, ...files] = process.argv.slice(2);
const levels = levelList.split(',').map(Number);
const PY = 'import sys,zlib\nl=int(sys.argv[1])\nc=zlib.compressobj(l,zlib.DEFLATED,-15,8)\nsys.stdout.buffer.write(c.compress(sys.stdin.buffer.read())+c.flush())';
const pyVersion = execFileSync('python3', ['-c', 'import zlib; print(zlib.ZLIB_RUNTIME_VERSION)']).toString().trim();
console.log(`${files.length} files; GNU ${execFileSync('gzip', ['--version']).toString().split('\n')[0]}; vanilla zlib ${pyVersion} (python3); Node ${process.version} zlib ${process.versions.zlib}`);

/** gzip's member without its 10-byte header and 8-byte trailer (no name: gzip -n). */
function gnuRaw(file: string, level: number): Buffer {
  const gz = execFileSync('gzip', [`-${level}`, '-n', '-c', file], { maxBuffer: 1 << 30 });
  return gz.subarray(10, gz.length - 8);
}

for (const level of levels) {
  const count = { gnuZlib: 0, gnuNode: 0, zlibNode: 0 };
  const sizes = { gnu: 0, zlib: 0, node: 0 };
  const differ: string[] = [];
  let smallestGnuZlibDiff = Infinity;
  let largestGnuZlibSame = 0;
  for (const file of files) {
    const input = readFileSync(file);
    const gnu = gnuRaw(file, level);
    const zlib = execFileSync('python3', ['-c', PY, String(level)], { input, maxBuffer: 1 << 30 });
    const node = deflateRawSync(input, { level, memLevel: 8, windowBits: 15 });
    sizes.gnu += gnu.length; sizes.zlib += zlib.length; sizes.node += node.length;
    if (gnu.equals(zlib)) {
      count.gnuZlib++;
      largestGnuZlibSame = Math.max(largestGnuZlibSame, input.length);
    } else smallestGnuZlibDiff = Math.min(smallestGnuZlibDiff, input.length);
    if (gnu.equals(node)) count.gnuNode++;
    if (zlib.equals(node)) count.zlibNode++;
    else differ.push(`${file} (${input.length} B: zlib ${zlib.length}, node ${node.length})`);
  }
  console.log(`level ${level}: GNU gzip = zlib on ${count.gnuZlib}/${files.length}; GNU gzip = Node on ${count.gnuNode}/${files.length}; zlib = Node on ${count.zlibNode}/${files.length}; total bytes GNU ${sizes.gnu}, zlib ${sizes.zlib}, Node ${sizes.node}`);
  console.log(`  GNU gzip != zlib from ${smallestGnuZlibDiff} input bytes on; equal up to ${largestGnuZlibSame} at most`);
  for (const d of differ.slice(0, 3)) console.log(`  zlib != Node: ${d}`);
}
