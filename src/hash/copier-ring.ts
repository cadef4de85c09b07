/** The shared ring between RegionCopier's threads: SLOTS slots of SLOT bytes (see copier-worker.ts). Slots of 1 MiB
 * keep what the copy thread just wrote in cache when the hash thread reads it (measured: faster than 2-8 MiB). */
export const SLOTS = 16;
export const SLOT = 1 << 20;
