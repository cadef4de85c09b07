/**
 * The pgzip block workers (block-worker.ts), one set for the whole process, shared by every layer being encoded.
 * A worker costs about 0.2 s of CPU before it runs at speed (its isolate's start and the JIT warming the matcher:
 * the first three blocks take ~250 ms where later ones take ~55), so workers per layer paid it again for every
 * layer; kept, they pay it once. A worker holds the event loop open only while it has blocks to return.
 */
import { Worker } from 'node:worker_threads';
import { errorFromThread } from '../../../hash/thread-errors.js';
import type { BlockJob, BlockReply } from './block-worker.js';
import type { KlauspostVersion } from './gzip-writer.js';

export type BlockDone = (r: { parts: Uint8Array[]; block: Uint8Array<ArrayBuffer> } | Error) => void;

interface Slot { worker: Worker; jobs: Map<number, BlockDone> }

const slots: (Slot | undefined)[] = [];
let nextId = 0;

/** Encodes one block on worker `k` (started when first needed); `done` gets its bytes and its buffer back. */
export function encodeBlockOn(k: number, version: KlauspostVersion, dict: Uint8Array<ArrayBuffer> | null, block: Uint8Array<ArrayBuffer>, last: boolean, done: BlockDone): void {
  const slot = (slots[k] ??= start(k));
  const job: BlockJob = { id: nextId++, version, dict, block, last };
  if (slot.jobs.size === 0) slot.worker.ref();
  slot.jobs.set(job.id, done);
  slot.worker.postMessage(job, dict ? [block.buffer, dict.buffer] : [block.buffer]);
}

function start(k: number): Slot {
  const worker = new Worker(new URL('./block-worker.js', import.meta.url));
  worker.unref();
  const slot: Slot = { worker, jobs: new Map() };
  /** The worker is gone or unusable: every block it held fails, and the next block starts a new one. */
  const fail = (e: Error) => {
    if (slots[k] === slot) slots[k] = undefined;
    const jobs = [...slot.jobs.values()];
    slot.jobs.clear();
    for (const d of jobs) d(e);
    void worker.terminate();
  };
  worker.on('message', (m: BlockReply) => {
    if (m.id === undefined) return fail(errorFromThread(m as Extract<BlockReply, { type: 'error' }>));
    const done = slot.jobs.get(m.id);
    slot.jobs.delete(m.id);
    if (slot.jobs.size === 0) worker.unref();
    done?.(m.type === 'block' ? { parts: m.parts, block: m.block } : errorFromThread(m));
  });
  worker.on('error', (e) => fail(new Error(`a pgzip block thread failed (${e.message})`)));
  worker.on('exit', () => fail(new Error('a pgzip block thread ended early')));
  return slot;
}
