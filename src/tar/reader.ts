/**
 * A streaming tar reader: yields each entry's decoded header, its raw header bytes, its offsets and its data.
 * Bounded memory: one entry's headers at a time; data is streamed in chunks or skipped (by seeking, on a file).
 * Strict about truncation; follows Go's archive/tar (the reader docker uses) where formats leave room.
 */
import { StowageError, TruncatedError } from '../errors.js';
import type { ByteSource } from './bytesource.js';
import { PATH_BYTES, PAX_RECORDS, TAR_EXTENSION_BYTES, TAR_EXTENSION_HEADERS } from '../limits.js';
import { BLOCK, NotTarError, applyPax, decodeHeaderBlock, isZeroBlock, padding, parsePax, type TarHeader } from './header.js';

export interface TarEntry {
  header: TarHeader;
  /** Every header block of this entry as it was in the archive, PAX and GNU long-name blocks included. */
  raw: Buffer;
  /** Offset of the first header block of this entry (extension headers included). */
  headerOffset: number;
  /** Offset of the entry's data. */
  dataOffset: number;
  /** Streams the entry's data; call at most once, before asking for the next entry (else the data is skipped). */
  body(): AsyncGenerator<Buffer>;
}

export interface ReadTarOptions {
  /** Names the archive in error messages. */
  what?: string;
  /** The most extension-header data (PAX and GNU long names) accepted before one entry, in bytes. */
  maxExtension?: number;
  /** Accept an archive with no entries (an empty layer: zero bytes, or only end-of-archive blocks). */
  allowEmpty?: boolean;
}

/** Types whose data area is always empty, whatever their size field says (as in Go's archive/tar). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

export async function* readTar(src: ByteSource, opts: ReadTarOptions = {}): AsyncGenerator<TarEntry> {
  const what = opts.what ?? 'tar archive';
  const maxExt = opts.maxExtension ?? TAR_EXTENSION_BYTES;
  let globalBytes = 0;
  let globalPax: Record<string, string> | undefined;
  let first = true;

  const readBlock = async (): Promise<Buffer | null> => {
    const b = await src.read(BLOCK);
    if (b.length === 0) return null;
    if (b.length < BLOCK) throw new TruncatedError(what);
    return b;
  };
  const readData = async (size: number): Promise<Buffer> => {
    const d = await src.read(size);
    if (d.length < size) throw new TruncatedError(what);
    const pad = padding(size);
    if ((await src.skip(pad)) < pad) throw new TruncatedError(what);
    return d;
  };

  for (;;) {
    const headerOffset = src.position;
    const rawParts: Buffer[] = [];
    let longName: string | undefined;
    let longLink: string | undefined;
    let localPax: Record<string, string> | undefined;
    // Bounds on what one entry's extension headers may hold: their blocks are kept (to copy the entry byte for
    // byte), so chained long names or PAX headers must not add up without end (see limits.ts).
    let extBytes = 0;
    let extHeaders = 0;
    let block: Buffer | null;
    let h: TarHeader | undefined;
    for (;;) {
      block = await readBlock();
      if (block === null) {
        if (first && !opts.allowEmpty) throw new StowageError(`${what}: empty file`);
        if (rawParts.length) throw new TruncatedError(what);
        return; // end of data without the two zero blocks: accepted, as Go and GNU tar do
      }
      if (isZeroBlock(block)) {
        if (rawParts.length) throw new StowageError(`${what}: a tar extension header is not followed by an entry`);
        const next = await src.read(BLOCK);
        if (next.length === 0 || (next.length === BLOCK && isZeroBlock(next))) {
          if (first && !opts.allowEmpty) throw new StowageError(`${what}: empty tar archive (no entries)`);
          return;
        }
        if (next.length < BLOCK) throw new TruncatedError(what);
        throw new StowageError(`${what}: not a valid tar archive (a zero block is followed by data)`);
      }
      let raw;
      try {
        raw = decodeHeaderBlock(block);
      } catch (e) {
        if (first && e instanceof NotTarError) throw new StowageError(`${what}: not a tar archive`);
        throw new StowageError(`${what}: corrupt tar header at offset ${src.position - BLOCK}: ${(e as Error).message}`, { code: 'corrupt' });
      }
      first = false;
      rawParts.push(block);
      const t = raw.typeflag;
      if (t === 'x' || t === 'g' || t === 'L' || t === 'K') {
        const at = src.position - BLOCK;
        extBytes += raw.size;
        if (extBytes > maxExt) throw new StowageError(`${what}: tar extension headers of over ${maxExt} bytes before one entry (at offset ${at}); refused`, { code: 'limit' });
        if (++extHeaders > TAR_EXTENSION_HEADERS) throw new StowageError(`${what}: more than ${TAR_EXTENSION_HEADERS} tar extension headers before one entry (at offset ${at}); refused`);
        const data = await readData(raw.size);
        rawParts.push(data, Buffer.alloc(padding(raw.size)));
        try {
          if (t === 'x') localPax = Object.assign(localPax ?? {}, parsePax(data, PAX_RECORDS));
          else if (t === 'g') {
            // A global header applies to every later entry: bound what it accumulates across the archive too.
            globalBytes += raw.size;
            if (globalBytes > maxExt) throw new StowageError(`global PAX headers of over ${maxExt} bytes`, { code: 'limit' });
            globalPax = { ...(globalPax ?? {}), ...parsePax(data, PAX_RECORDS) };
          } else {
            const nul = data.indexOf(0);
            const end = nul === -1 ? data.length : nul;
            if (end > PATH_BYTES) throw new StowageError(`a GNU long ${t === 'L' ? 'name' : 'link name'} of ${end} bytes, over the ${PATH_BYTES}-byte limit`, { code: 'limit' });
            const s = data.toString('utf8', 0, end);
            if (t === 'L') longName = s;
            else longLink = s;
          }
          const records = Object.keys(localPax ?? {}).length + Object.keys(globalPax ?? {}).length;
          if (records > PAX_RECORDS) throw new StowageError(`more than ${PAX_RECORDS} PAX records for one entry`);
        } catch (e) {
          if (!(e instanceof StowageError)) throw e;
          throw new StowageError(`${what}: ${e.message.replace(/^tar: /, '')} (tar header at offset ${at}); refused`);
        }
        continue;
      }
      h = raw;
      break;
    }
    if (longName !== undefined) h.name = longName;
    if (longLink !== undefined) h.linkname = longLink;
    if (globalPax) applyPax(h, globalPax);
    if (localPax) applyPax(h, localPax);
    delete (h as { ustar?: boolean }).ustar;
    for (const [field, v] of [['name', h.name], ['link name', h.linkname]] as const) {
      const len = Buffer.byteLength(v);
      if (len > PATH_BYTES) throw new StowageError(`${what}: an entry ${field} of ${len} bytes (at offset ${headerOffset}), over the ${PATH_BYTES}-byte limit; refused`, { code: 'limit' });
    }
    if (h.pax && Object.keys(h.pax).some((k) => k.startsWith('GNU.sparse.'))) h.type = 'other';

    const size = HEADER_ONLY.has(h.typeflag) ? 0 : h.size;
    const dataOffset = src.position;
    let consumed = 0;
    let started = false;
    const entry: TarEntry = {
      header: h,
      raw: rawParts.length === 1 ? rawParts[0]! : Buffer.concat(rawParts),
      headerOffset,
      dataOffset,
      body: async function* () {
        if (started) throw new Error('tar entry body read twice');
        started = true;
        for await (const c of src.chunks(size)) {
          consumed += c.length;
          yield c;
        }
        if (consumed < size) throw new TruncatedError(what);
      },
    };
    yield entry;
    const rest = size - consumed + padding(size);
    if (rest > 0 && (await src.skip(rest)) < rest) throw new TruncatedError(what);
  }
}
