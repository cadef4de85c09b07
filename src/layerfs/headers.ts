/**
 * Headers of merged entries: most are copied as raw bytes (every field, PAX record and xattr exactly as in the layer);
 * the few that must change (a hard link pointing at a new name, a file written under a link's name) are re-encoded
 * from the decoded header, keeping its PAX records (xattrs, atime, ...).
 */
import { BLOCK, parseNumeric, padding, type NewHeader, type TarHeader } from '../tar/header.js';

/** PAX keys that restate header fields: the encoder writes them again from the fields when they do not fit. */
const FIELD_KEYS = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'mtime', 'uname', 'gname']);

/**
 * Whether an entry's raw header blocks include a PAX global header ('g'). Its records apply to every later entry
 * of that layer, so copying it into a merged tar would change entries of other layers: such entries are
 * re-encoded instead.
 */
export function hasGlobalHeader(raw: Buffer): boolean {
  let off = 0;
  // Every block but the last is an extension header with its data; the last is the entry's own header.
  while (off + BLOCK < raw.length) {
    if (raw[off + 156] === 0x67 /* 'g' */) return true;
    const size = parseNumeric(raw, off + 124, 12, 'size');
    off += BLOCK + size + padding(size);
  }
  return false;
}

/** A header to encode anew from a decoded one, with some fields changed. */
export function reencode(h: TarHeader, changes: Partial<NewHeader>): NewHeader {
  const pax: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.pax ?? {})) if (!FIELD_KEYS.has(k)) pax[k] = v;
  const out: NewHeader = {
    name: h.name,
    type: h.type,
    mode: h.mode,
    uid: h.uid,
    gid: h.gid,
    size: h.type === 'file' ? h.size : 0,
    mtime: h.mtime,
    linkname: h.linkname,
    uname: h.uname,
    gname: h.gname,
    devmajor: h.devmajor,
    devminor: h.devminor,
    ...changes,
  };
  if (Object.keys(pax).length) out.pax = { ...pax, ...(changes.pax ?? {}) };
  return out;
}
