/**
 * Worker thread: pgzip blocks encoded one after another (block-encoder.ts) for threaded.ts. Each message is one
 * block with its dictionary; the reply carries the block's deflate bytes and hands the block's buffer back, all
 * moved rather than cloned, so the parent refills the same buffers and no block is copied across.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { threadError } from '../../../hash/thread-errors.js';
import { PgzipBlockEncoder } from './block-encoder.js';

export interface BlockJob { seq: number; dict: Uint8Array<ArrayBuffer> | null; block: Uint8Array<ArrayBuffer>; last: boolean }
export type BlockReply = { type: 'block'; seq: number; parts: Uint8Array[]; block: Uint8Array<ArrayBuffer> } | ({ type: 'error' } & ReturnType<typeof threadError>);

const port = parentPort!;
try {
  const encoder = new PgzipBlockEncoder(workerData);
  port.on('message', (m: BlockJob) => {
    try {
      const parts = encoder.encode(m.dict, m.block, m.last);
      const reply: BlockReply = { type: 'block', seq: m.seq, parts, block: m.block };
      port.postMessage(reply, [m.block.buffer, ...parts.map((p) => p.buffer as ArrayBuffer)]);
    } catch (e) {
      port.postMessage({ type: 'error', ...threadError(e) });
    }
  });
} catch (e) {
  port.postMessage({ type: 'error', ...threadError(e) });
}
