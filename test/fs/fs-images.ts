/**
 * The images the filesystem tests compare against real references: one built by dockerd (legacy builder, so the
 * layers are what the engine itself writes) with every case of the issue, and crafted ones on a busybox root for
 * what docker's builder never writes (hard links to a file of a lower layer) or cannot load.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LONG, buildOnBase, busyboxRootfs } from '../helpers/images.js';
import { scratch } from '../helpers/paths.js';
import { docker, run } from '../helpers/peers.js';
import { imageArchive } from '../helpers/build-image.js';
import { dir, file, hardlink, tarOf, whiteout } from '../helpers/build-layer.js';

export const FS_IMAGE = 'stowage-fs/layers:1';

const bb = (applet: string) => `/bin/busybox ${applet}`;

let built = false;

/**
 * Builds FS_IMAGE on the e2e busybox base: file and directory whiteouts, opaque directories, a file replaced by a
 * directory and back (and the reverse), hard links made in a later layer to files of an earlier one whose original
 * name is then replaced or deleted, symlinks (relative, absolute, dangling, to a directory), setuid, setgid, sticky
 * and private modes, other owners, a FIFO, long and non-ASCII names, and deletions of base files.
 */
export function buildFsImage(): void {
  if (built) return;
  buildOnBase(FS_IMAGE, [
    'RUN mkdir -p /data/dir/sub /data/opq /data/keep /data/sticky /data/private /y && echo a > /data/a.txt && echo b > /data/dir/sub/b.txt' +
      ' && echo o1 > /data/opq/old && echo 123 > /t2 && echo x > /x && echo in-y > /y/f && echo suid > /data/suid' +
      ` && ${bb('chmod')} 4755 /data/suid && ${bb('chmod')} 2755 /data/keep && ${bb('chmod')} 1777 /data/sticky && ${bb('chmod')} 700 /data/private` +
      ` && echo secret > /data/private/s && ${bb('chmod')} 600 /data/private/s && echo owned > /data/owned && ${bb('chown')} 1000:1000 /data/owned` +
      ` && ${bb('mkfifo')} /data/fifo && ln -s ../t2 /data/rel-link && ln -s /data/keep /data/dir-link && ln -s /nowhere /data/dangling` +
      ` && mkdir -p "/data/${LONG}" && echo deep > "/data/${LONG}/file.txt" && echo x > "/data/é-ünïcødé-名前.txt"`,
    'RUN ln /t2 /t1 && ln /t2 /t3 && ln /data/a.txt /data/a-hard && ln /data/suid /data/suid-hard',
    'RUN echo 456 > /t1 && rm /data/a.txt && rm -rf /data/dir && rm -rf /data/opq && mkdir /data/opq && echo o2 > /data/opq/new' +
      ' && rm /x && mkdir /x && echo in > /x/f && rm -rf /y && echo now-a-file > /y && rm /data/suid && rm /bin/true',
    'RUN rm -rf /x && echo back > /x && rm -rf /y && mkdir /y && echo again > /y/g',
  ]);
  built = true;
}

/** The busybox root filesystem tar the e2e base is imported from (fixed times). */
export function busyboxLayer(): Buffer {
  const d = scratch('stowage-fs-bb-');
  return readFileSync(busyboxRootfs(d));
}

/**
 * A crafted image on the busybox root: hard links to files of lower layers, whose target a later layer replaces or
 * deletes (go-containerregistry #2002). dockerd cannot load it (overlay2 applies each layer apart: "link ... no such
 * file or directory"); umoci can.
 */
export async function crossLayerLinksImage(path: string): Promise<void> {
  await imageArchive(path, [
    busyboxLayer(),
    await tarOf([dir('lib'), file('lib/a.so', 'library a\n'), file('lib/b.so', 'library b\n'), file('t2', '123\n')]),
    await tarOf([hardlink('t1', 't2'), hardlink('t3', 't1'), hardlink('lib/a-link.so', 'lib/a.so'), hardlink('lib/b-link.so', 'lib/b.so')]),
    await tarOf([file('t1', '456\n'), whiteout('lib/a.so'), file('lib/b.so', 'new b\n')]),
  ], { tag: 'stowage-fs/xlinks:1', config: { config: { Cmd: ['/bin/sh'] } } });
}

/**
 * A crafted image where a directory of a lower layer is whited out and later made again: squashing the top two
 * layers onto the rest must mark the directory opaque, or the lower content would show through.
 */
export async function recreatedDirImage(path: string): Promise<void> {
  await imageArchive(path, [
    busyboxLayer(),
    await tarOf([dir('d'), file('d/from-base', 'base\n'), dir('e'), file('e/old', 'old\n')]),
    await tarOf([whiteout('d'), file('e', 'e is a file now\n')]),
    await tarOf([dir('d'), file('d/new', 'new\n'), dir('e'), file('e/again', 'again\n')]),
  ], { tag: 'stowage-fs/recreated:1', config: { config: { Cmd: ['/bin/sh'] } } });
}

/** umoci unpack of a docker archive (converted by skopeo), then tar of the root filesystem. */
export function umociFlatten(archive: string, out: string): void {
  const d = scratch('stowage-fs-umoci-');
  run('skopeo', ['copy', '-q', `docker-archive:${archive}`, `oci:${join(d, 'oci')}:img`]);
  run('umoci', ['unpack', '--image', `${join(d, 'oci')}:img`, join(d, 'bundle')]);
  execFileSync('tar', ['--numeric-owner', '--sort=name', '-C', join(d, 'bundle', 'rootfs'), '-cf', out, '.']);
}

/** docker export of a created (never started) container of `image`. */
export function dockerExport(image: string, out: string): void {
  const cid = docker(['create', image, '/bin/true']).trim();
  try {
    docker(['export', '-o', out, cid]);
  } finally {
    docker(['rm', cid]);
  }
}

/** What docker adds to a container's filesystem (its init layer), left out of every comparison. */
export function dockerAdded(p: string): boolean {
  return p === '.dockerenv' || p === 'etc' || /^(dev|proc|sys)(\/|$)/.test(p) || /^etc\/(hosts|hostname|resolv\.conf|mtab)$/.test(p);
}

/**
 * What `docker run` sees of an image: every path with its mode, owner, type and size, and a sha256 per file
 * (what docker adds to a container left out).
 */
export function containerView(image: string): string[] {
  const script = "cd / && find . -xdev -exec stat -c '%n|%a|%u:%g|%F|%s|%Y|%N' {} + | sort && find . -xdev -type f -exec sha256sum {} + | sort";
  const out = docker(['run', '--rm', '--network', 'none', '--entrypoint', '/bin/sh', image, '-c', script]);
  return out.split('\n').filter((l) => l && !/^\.\/(\.dockerenv|dev|proc|sys|etc)(\/|\||$)/.test(l) && !/\s\.\/(\.dockerenv|etc\/)/.test(l) && !/^\.\|/.test(l));
}
