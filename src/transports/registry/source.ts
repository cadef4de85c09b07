/**
 * Opening `docker://REGISTRY/REPO[:TAG|@DIGEST]` as an image source: the reference's manifest (or index) is fetched
 * once, and the image is read through the OCI layout reader over a RegistryTree.
 */
import { OCI_INDEX, isIndexType } from '../../oci/mediatypes.js';
import { parseReference, withDefaultTag, type Reference } from '../../oci/reference.js';
import type { ImageSource } from '../../image/model.js';
import { CONTAINERD_NAME, REF_NAME, readOciLayout } from '../oci-layout/read.js';
import { RegistryClient, type ClientOptions } from './client.js';
import { RegistryHttp } from './http.js';
import type { RegistryOptions } from './options.js';
import { RegistryTree } from './tree.js';

/** The host to talk to for a reference's domain (Docker Hub's API lives on registry-1.docker.io). */
export function apiHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

/** Parses the part after `docker://`, with docker's rules (a leading `//` as skopeo writes it is accepted). */
export function registryReference(text: string): Reference {
  return withDefaultTag(parseReference(text.replace(/^\/\//, '')));
}

export function clientFor(ref: Reference, opts: RegistryOptions & ClientOptions = {}): RegistryClient {
  return new RegistryClient(new RegistryHttp(apiHost(ref.domain), opts), ref.path, opts);
}

export async function openRegistrySource(text: string, refText: string, opts: RegistryOptions = {}): Promise<ImageSource> {
  const ref = registryReference(refText);
  const client = clientFor(ref, opts);
  const tree = new RegistryTree(client);
  try {
    const top = await client.getManifest(ref.digest ?? ref.tag!);
    tree.addManifest(top.digest, top.bytes);
    const annotations: Record<string, string> = {};
    if (ref.tag) {
      annotations[CONTAINERD_NAME] = `${ref.domain}/${ref.path}:${ref.tag}`;
      annotations[REF_NAME] = ref.tag;
    }
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [{ mediaType: top.mediaType, digest: top.digest, size: top.bytes.length, ...(ref.tag ? { annotations } : {}) }],
    };
    tree.addDoc('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    tree.addDoc('index.json', Buffer.from(JSON.stringify(index)));
    const src = await readOciLayout(tree, text, 'oci-layout');
    src.format = 'registry';
    src.blobsProveThemselves = true;
    delete src.selector; // one reference names one manifest or index: only --platform picks among its images
    for (const img of src.images) if (img.manifest) img.manifest.note = `from the registry, ${img.manifest.mediaType}`;
    src.flavor = `registry image (${isIndexType(top.mediaType) ? `an image index, ${src.images.length} image(s)` : top.mediaType})`;
    src.registry = { reference: `${ref.domain}/${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`, host: client.http.host, repository: ref.path, digest: top.digest, mediaType: top.mediaType, ...(isIndexType(top.mediaType) ? { index: top.bytes } : {}) };
    return src;
  } catch (e) {
    await tree.close();
    throw e;
  }
}
