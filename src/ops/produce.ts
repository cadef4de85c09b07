/**
 * The one way an op's images reach a destination. An op that makes images (edit, squash, import, apply, delta,
 * copy, a patch delta's apply) returns what it made as `ImagesMade`: the images, whose layers carry their proofs
 * (`writableFrom`, `madeFrom`), where they go, how to write them, and how the write's result completes its report.
 * `produce` writes them through the pipeline (`writeImages`: stage, prove, commit) and then releases what the op
 * held for the write (a merged layer's temporary file). So no op writes, proves or commits itself, and a library
 * caller can take the images an op made (`makeEdit`, `makeSquash`, ...) and write them anywhere.
 */
import type { WritableImage } from '../image/writable.js';
import { writeImages, type DestSpec, type WriteOptions, type WriteResult } from '../transports/dest.js';
import { writeWhereTheyLand, type LandingResult } from './site-write.js';

export interface ImagesMade<R> {
  images: WritableImage[];
  /** The destination; or `landing`: a name whose images land one at a time (a registry root, a site's engine). */
  dest: DestSpec | { landing: string };
  write: WriteOptions;
  /** Completes the op's report from what the write did (the pushed digest, the engine's tags, the bytes). */
  report(written: WriteResult & Partial<LandingResult>): R | Promise<R>;
  /** Called once the write is over, committed or not. */
  release?(): Promise<void>;
}

export async function produce<R>(made: ImagesMade<R>): Promise<R> {
  try {
    const { dest } = made;
    const r = 'landing' in dest ? await writeWhereTheyLand(dest.landing, made.images, made.write) : await writeImages(dest, made.images, made.write);
    return await made.report(r);
  } finally {
    await made.release?.();
  }
}
