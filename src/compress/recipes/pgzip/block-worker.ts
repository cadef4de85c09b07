/**
 * Worker thread: pgzip blocks encoded one after another (block-encoder.ts) for block-pool.ts, for any layer and
 * either klauspost version. Each message is one block with its dictionary; the reply carries the block's deflate
 * bytes and hands the block's buffer back, all moved rather than cloned, so the caller refills the same buffers and
 * no block is copied across.
 */
import { parentPort } from 'node:worker_threads';
import { threadError } from '../../../hash/thread-errors.js';
import { PgzipBlockEncoder } from './block-encoder.js';
import type { KlauspostVersion } from './gzip-writer.js';

export interface BlockJob { id: number; version: KlauspostVersion; dict: Uint8Array<ArrayBuffer> | null; block: Uint8Array<ArrayBuffer>; last: boolean }
export type BlockReply =
  | { type: 'block'; id: number; parts: Uint8Array[]; block: Uint8Array<ArrayBuffer> }
  | ({ type: 'error'; id?: number } & ReturnType<typeof threadError>);

const port = parentPort!;
const encoders = new Map<KlauspostVersion, PgzipBlockEncoder>();
port.on('message', (m: BlockJob) => {
  try {
    let encoder = encoders.get(m.version);
    if (!encoder) encoders.set(m.version, (encoder = new PgzipBlockEncoder(m.version)));
    const parts = encoder.encode(m.dict, m.block, m.last);
    const reply: BlockReply = { type: 'block', id: m.id, parts, block: m.block };
    port.postMessage(reply, [m.block.buffer, ...parts.map((p) => p.buffer as ArrayBuffer)]);
  } catch (e) {
    port.postMessage({ type: 'error', id: m.id, ...threadError(e) });
  }
});
