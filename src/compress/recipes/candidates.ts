/**
 * Which recipes could have made a gzip blob, told from its header (RFC 1952 2.3) alone: Go's compress/gzip writes
 * flags 0, mtime 0 (unless ModTime is set), XFL 4 at level 1, 2 at level 9 and 0 otherwise, OS 255 (Go 1.8-1.26 and
 * Go 1.27 alike, so both encoders are candidates). pgzip
 * (containers/image) writes mtime 0x886E0900 (Go's zero time), XFL 0 at its default level, OS 255. GNU gzip with -n writes flags 0, mtime 0,
 * XFL 4 at level 1, 2 at level 9 and 0 otherwise, and OS 3 (Unix), which zlib's gzip wrapper (Node's zlib, pigz,
 * Python's zlib) writes too. The header only narrows the search; a recipe is confirmed by recompressing and
 * comparing the whole blob.
 */
import type { Recipe } from './recipe.js';

export interface GzipHeader { flags: number; mtime: number; xfl: number; os: number }

/** The fixed 10 bytes of a gzip member, or null if `head` does not start one (deflate method). */
export function readGzipHeader(head: Uint8Array): GzipHeader | null {
  if (head.length < 10 || head[0] !== 0x1f || head[1] !== 0x8b || head[2] !== 8) return null;
  const mtime = (head[4] | (head[5] << 8) | (head[6] << 16) | (head[7] << 24)) >>> 0;
  return { flags: head[3], mtime, xfl: head[8], os: head[9] };
}

export const PGZIP_MTIME = 0x886e0900;

/** Candidate recipes, the likeliest first (level 6 is Docker's, containerd's and BuildKit's). */
export function recipeCandidates(head: Uint8Array): { candidates: Recipe[]; why: string } {
  const h = readGzipHeader(head);
  if (!h) return { candidates: [], why: 'not a gzip stream' };
  // Go 1.27 writes the same header as 1.8-1.26 with other deflate bytes: both versions are tried, side by side.
  const go = (level: number): Recipe[] => [{ encoder: 'go-flate', version: '1.8-1.26', level }, { encoder: 'go-flate', version: '1.27', level }];
  // GNU gzip first (Debian's .gz files), then zlib at the same level; on small inputs the two make the same bytes.
  const gnu = (level: number): Recipe[] => [{ encoder: 'gnu-gzip', version: '1.12', level }, { encoder: 'zlib', version: '1.2.13', level }];
  if (h.mtime === PGZIP_MTIME) {
    // The newer klauspost first; the two make the same bytes on most blobs (they part on about 1 block in 60).
    const pg: Recipe[] = [{ encoder: 'pgzip', version: '1.20.0', level: 5 }, { encoder: 'pgzip', version: '1.18.1', level: 5 }];
    if (h.flags === 0 && h.xfl === 0 && h.os === 255) return { candidates: pg, why: 'pgzip at its default level (containers/image: podman, buildah, skopeo)' };
    return { candidates: [], why: `a pgzip header at a level stowage does not reproduce (flags ${h.flags}, XFL ${h.xfl}, OS ${h.os})` };
  }
  if (h.flags === 0 && h.mtime === 0 && h.os === 3) {
    if (h.xfl === 2) return { candidates: gnu(9), why: 'GNU gzip -9n (Debian\'s dh_compress) or zlib at level 9' };
    if (h.xfl === 4) return { candidates: gnu(1), why: 'GNU gzip -1n or zlib at level 1' };
    if (h.xfl === 0) return { candidates: [6, 2, 3, 4, 5, 7, 8].flatMap(gnu), why: 'GNU gzip -n or zlib at level 2-8 (6 the default of both)' };
  }
  if (h.flags !== 0 || h.os !== 255 || h.mtime !== 0) {
    return { candidates: [], why: `a gzip header no reproduced encoder writes (flags ${h.flags}, mtime ${h.mtime}, XFL ${h.xfl}, OS ${h.os})` };
  }
  if (h.xfl === 4) return { candidates: go(1), why: "Go's compress/gzip at BestSpeed (go-containerregistry: crane, ko, kaniko)" };
  if (h.xfl === 2) return { candidates: go(9), why: "Go's compress/gzip at BestCompression" };
  if (h.xfl === 0) return { candidates: [6, 2, 3, 4, 5, 7, 8].flatMap(go), why: "Go's compress/gzip at level 2-8 (6: moby, containerd, BuildKit)" };
  return { candidates: [], why: `a gzip header no reproduced encoder writes (XFL ${h.xfl}, OS ${h.os})` };
}
