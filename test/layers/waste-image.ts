/**
 * The image the layers and report tests read, built by the real dockerd (legacy builder) so its layers are what the
 * engine itself writes, with waste known by construction (see layers-docker.test.ts for the figures it gives).
 */
import { buildOnBase } from '../helpers/images.js';

export const WASTE_IMAGE = 'stowage-layers/waste:1';
export const MiB = 1048576;

let built = false;
/** Builds WASTE_IMAGE on the e2e busybox base (idempotent within a process). */
export function buildWasteImage(): void {
  if (built) return;
  buildOnBase(WASTE_IMAGE, [
    `RUN mkdir -p /w/dir && head -c ${MiB} /dev/urandom > /w/big && head -c 200000 /dev/urandom > /w/del && head -c 100000 /dev/urandom > /w/over` +
      ' && head -c 30000 /dev/urandom > /w/dir/a && head -c 20000 /dev/urandom > /w/dir/b && head -c 50000 /dev/urandom > /w/src',
    'RUN rm /w/del && head -c 120000 /dev/urandom > /w/over && rm -rf /w/dir && cp /w/src /w/copy && ln /w/big /w/big-link',
    'RUN /bin/busybox chmod 600 /w/over',
  ]);
  built = true;
}

