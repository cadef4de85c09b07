/** Media types of the OCI image spec and of Docker's v2 schema 2, and what each means for a layer. */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER_ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const DOCKER_FOREIGN_LAYER = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip';
/** Docker's uncompressed layer type: skopeo's synthesized docker-archive manifests do not use it, but some tools do. */
export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

export function isManifestType(t: string | undefined): boolean {
  return t === OCI_MANIFEST || t === DOCKER_MANIFEST;
}

export function isIndexType(t: string | undefined): boolean {
  return t === OCI_INDEX || t === DOCKER_MANIFEST_LIST;
}

/** The compression a layer media type declares, or undefined for types that are not layers we know. */
export function layerTypeCompression(t: string): 'none' | 'gzip' | 'zstd' | undefined {
  switch (t) {
    case OCI_LAYER:
    case DOCKER_LAYER_TAR:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar':
      return 'none';
    case OCI_LAYER_GZIP:
    case DOCKER_LAYER:
    case DOCKER_FOREIGN_LAYER:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip':
      return 'gzip';
    case OCI_LAYER_ZSTD:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd':
      return 'zstd';
    default:
      return undefined;
  }
}

/** The OCI layer media type for a compression. */
export function ociLayerType(c: 'none' | 'gzip' | 'zstd'): string {
  return c === 'none' ? OCI_LAYER : c === 'gzip' ? OCI_LAYER_GZIP : OCI_LAYER_ZSTD;
}
