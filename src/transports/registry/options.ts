/** What a registry connection may be told by the user: credentials, TLS, retries. Never printed. */
import { UsageError } from '../../errors.js';
import type { Compressor } from '../../compress/compress.js';
import type { Digest } from '../../oci/digest.js';
import type { Platform } from '../../oci/platform.js';

export interface Credentials {
  username: string;
  /** A password, or an identity (refresh) token when `username` is `<token>`. */
  password: string;
}

export interface RegistryOptions {
  /** Credentials given on the command line or by the library caller; they win over every other source. */
  creds?: Credentials;
  /** A docker config file (`auths`, `credsStore`, `credHelpers`) instead of $DOCKER_CONFIG/config.json. */
  authFile?: string;
  /** Verify TLS certificates (default true). False also allows plain HTTP, as docker's insecure registries do. */
  tlsVerify?: boolean;
  /** Speak plain HTTP (default: only to a loopback registry whose HTTPS port does not answer TLS). */
  plainHttp?: boolean;
  /** Extra CA certificates (PEM files) trusted for this registry, on top of the system's. */
  caCerts?: string[];
  /** A directory as skopeo's --cert-dir: *.crt are CAs, NAME.cert with NAME.key a client certificate. */
  certDir?: string;
  /** Attempts per request on 429, 5xx and dropped connections (default 5, or $STOWAGE_RETRIES). */
  retries?: number;
}

/** Credentials from the environment: STOWAGE_REGISTRY_USERNAME and STOWAGE_REGISTRY_PASSWORD. */
export function envCredentials(env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const username = env.STOWAGE_REGISTRY_USERNAME;
  const password = env.STOWAGE_REGISTRY_PASSWORD;
  if (username && password !== undefined) return { username, password };
  return undefined;
}

/** Parses `USER[:PASSWORD]` as skopeo's --creds does; a missing password is read from the environment. */
export function parseCreds(text: string, what = '--creds'): Credentials {
  const i = text.indexOf(':');
  const username = i === -1 ? text : text.slice(0, i);
  const password = i === -1 ? process.env.STOWAGE_REGISTRY_PASSWORD : text.slice(i + 1);
  if (!username || password === undefined) throw new UsageError(`${what} wants USER:PASSWORD (or USER with STOWAGE_REGISTRY_PASSWORD set)`);
  return { username, password };
}

export interface ClientOptions {
  /** Upload in PATCH chunks of this many bytes (resumable piece by piece) instead of one request. */
  chunkSize?: number;
  /** Ask for push rights on every request (a destination): one token serves HEADs and uploads alike. */
  push?: boolean;
}

export interface PushOptions extends RegistryOptions, ClientOptions {
  /** How to compress layers stored uncompressed (default gzip). Compressed layers are sent as they are. */
  compression?: Compressor;
  compressionLevel?: number;
  /** Also recompress layers stored in another compression (gzip to zstd): their blob digests change. */
  recompress?: boolean;
  /**
   * Send layers stored uncompressed as they are (a registry-to-registry copy of an image a registry holds that way,
   * as the containerd image store pushes it): same blobs, so the manifest digest is kept.
   */
  keepUncompressed?: boolean;
  /** Layers in flight at once (default 4). */
  jobs?: number;
  /** The registry repository the images come from: blobs are mounted from it when it is on the same registry. */
  mountFrom?: { host: string; repository: string };
  /**
   * Repositories on the destination registry that hold the base of a thin archive: a layer the source leaves out
   * and the destination lacks is found there by DiffID and mounted (`--base-repo`).
   */
  baseRepos?: string[];
  /**
   * The source's image index, pushed byte for byte when every image it lists is pushed unchanged; `attached`: the
   * manifests it lists that are not images (BuildKit's attestation manifests), pushed with their blobs before it.
   */
  index?: { bytes: Buffer; mediaType: string; attached?: AttachedManifest[] };
  /** The platform of each image, for a new index. */
  platforms?: (Platform | undefined)[];
  /** The manifest type for images whose manifest is rebuilt: OCI (default) or Docker schema 2. */
  manifestFormat?: 'oci' | 'docker';
  /** Called as each layer is done, with its size. */
  onLayer?: (bytes: number) => void;
  /**
   * Compress a layer stored uncompressed into a temporary file first, so its blob digest is known before the upload
   * and a registry that holds the blob already (an earlier, interrupted push) is not sent it again. Costs a
   * temporary copy of the compressed layer (one per layer in flight); set by `apply` of bundles, which are re-run.
   */
  spoolCompressed?: boolean;
}

/** A manifest an index lists beside its images (an attestation manifest): its bytes and the blobs it names. */
export interface AttachedManifest {
  digest: Digest;
  mediaType: string;
  bytes: Buffer;
  blobs: { digest: Digest; size: number; open: () => AsyncIterable<Buffer> }[];
}

export interface PushedBlob {
  digest: Digest;
  size: number;
  how: 'uploaded' | 'mounted' | 'exists';
}

export interface PushResult {
  /** The reference pushed, in full. */
  reference: string;
  /** What the tag now points to: the manifest, or the index of several. */
  digest: Digest;
  mediaType: string;
  manifests: { digest: Digest; mediaType: string; size: number; kept: boolean }[];
  /** Each distinct layer blob, and what it took. */
  layers: PushedBlob[];
  uploaded: number;
  mounted: number;
  existing: number;
  bytesUploaded: number;
}

