/**
 * Errors carry a code (src/errors.ts) that callers decide by, never the message's words: real failures (a tar that
 * ends early, JSON nested past the limit, a digest algorithm stowage does not take, a bad edit value, a layer whose
 * bytes contradict its DiffID) each give their code, through the worker threads too, and the CLI's quiet exit after
 * a printed report is chosen by its code.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { ERROR_CODES, hasCode, ReportedFailure, StowageError, TruncatedError, UsageError, type ErrorCode } from '../../src/errors.js';
import { decompress } from '../../src/compress/decompress.js';
import { parseDigest } from '../../src/oci/digest.js';
import { parseJson } from '../../src/oci/json.js';
import { editRequest } from '../../src/image/edit-request.js';
import { HashPool } from '../../src/hash/pool.js';
import { RegionCopier } from '../../src/hash/copier.js';
import { StreamByteSource } from '../../src/tar/bytesource.js';
import { readTar } from '../../src/tar/reader.js';
import { files, tarOf } from '../helpers/build-layer.js';
import { scratch } from '../helpers/paths.js';

const dir = scratch('stowage-codes-');

async function codeOf(fn: () => unknown): Promise<ErrorCode | string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof StowageError) return e.code;
    return `not a StowageError: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
  return 'no error';
}

async function drain(it: AsyncIterable<unknown>): Promise<void> {
  for await (const x of it) void x;
}

describe('error codes', () => {
  it('each class and the constructor give the documented defaults', () => {
    assert.equal(new StowageError('x').code, 'invalid');
    assert.equal(new StowageError('x').exitCode, 1);
    assert.equal(new StowageError('x', 2).code, 'usage', 'an exit status 2 alone is a usage error');
    assert.deepEqual([new UsageError('x').code, new UsageError('x').exitCode], ['usage', 2]);
    assert.equal(new TruncatedError('f').code, 'truncated');
    assert.deepEqual([new ReportedFailure().code, new ReportedFailure().exitCode], ['reported', 1]);
    const e = new StowageError('x', { code: 'tampered' });
    assert.ok(hasCode(e, 'tampered') && hasCode(e, 'corrupt', 'tampered') && !hasCode(e, 'invalid') && !hasCode(new Error('x'), 'invalid'));
    assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
  });

  it('real failures carry their code', async () => {
    const layer = await tarOf(files({ 'a.txt': 'x'.repeat(5000) }));
    assert.equal(await codeOf(() => drain(readTar(new StreamByteSource((async function* () { yield layer.subarray(0, 2048); })()), { what: 'cut.tar' }))), 'truncated');
    assert.equal(await codeOf(() => parseJson('['.repeat(100_000), 'deep.json')), 'limit');
    assert.equal(await codeOf(() => parseJson('{"a":', 'bad.json')), 'invalid');
    assert.equal(await codeOf(() => parseDigest(`sha512:${'a'.repeat(128)}`, 'x')), 'unsupported');
    assert.equal(await codeOf(() => editRequest({ expose: ['0'] })), 'usage');
    const gz = gzipSync(layer);
    gz[gz.length - 6] = gz[gz.length - 6]! ^ 0xff; // the CRC no longer matches
    assert.equal(await codeOf(() => drain(decompress('gzip', (async function* () { yield gz; })(), 'layer.tar.gz'))), 'corrupt');
  });

  it('a code survives the worker threads, and a full disk arrives as the system error it is', async () => {
    const short = join(dir, 'short.tar');
    const layer = await tarOf(files({ 'a.txt': 'x'.repeat(5000) }));
    writeFileSync(short, layer);
    const past = layer.length + 512; // a region the tar headers would claim, past the end of the file
    const pool = new HashPool(1);
    try {
      assert.equal(await codeOf(() => pool.hash({ file: short, offset: 0, size: past }, 'short.tar')), 'truncated');
    } finally {
      await pool.close();
    }
    const copier = new RegionCopier();
    const full = openSync('/dev/full', 'w');
    const sink = openSync('/dev/null', 'w');
    try {
      assert.equal(await codeOf(() => copier.copy({ file: short, offset: 0, size: layer.length }, full, 0)), 'not a StowageError: ENOSPC');
      assert.equal(await codeOf(() => copier.copy({ file: short, offset: 0, size: past }, sink, 0, false)), 'truncated');
    } finally {
      closeSync(full);
      closeSync(sink);
      await copier.close();
    }
  });
});
