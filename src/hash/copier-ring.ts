/** The shared ring between RegionCopier's threads: SLOTS slots of SLOT bytes (see copier-worker.ts). */
export const SLOTS = 8;
export const SLOT = 2 << 20;
