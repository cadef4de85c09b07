/** Limits that keep untrusted input from exhausting memory. */

/** The largest JSON document stowage will parse (manifest.json, index.json, a config, a manifest). */
export const JSON_LIMIT = 16 << 20;

/** Symlinks and hard links followed, at most, to reach one file of an archive. */
export const LINK_HOPS = 40;

/** Nested image indexes followed, at most, in an OCI layout. */
export const INDEX_DEPTH = 8;

/** Image descriptors an OCI layout's indexes may name in all (each index is read once, however often it is named). */
export const INDEX_REFERENCES = 10_000;

/**
 * Tar extension headers (PAX `x`/`g`, GNU `L`/`K`): the data of all those before one entry, together. Go's
 * archive/tar (what docker reads layers with) takes 1 MiB per header; stowage takes 1 MiB per entry, because it
 * keeps an entry's header blocks to copy them byte for byte.
 */
export const TAR_EXTENSION_BYTES = 1 << 20;

/** Extension headers before one entry (GNU tar writes at most three: `L`, `K`, `x`). */
export const TAR_EXTENSION_HEADERS = 16;

/** PAX records applying to one entry, local and global together (xattrs and times; real layers carry a handful). */
export const PAX_RECORDS = 1024;

/**
 * Entry names and link targets, in bytes: Linux's PATH_MAX. No filesystem docker extracts to can hold a longer
 * path, so no layer that loads carries one; refusing it also bounds the directories a name implies.
 */
export const PATH_BYTES = 4096;

/** What a one-pass reader (standard input, a compressed archive) keeps in memory of small files; the rest is spooled to disk. */
export const STREAM_MEMORY = 16 << 20;

/**
 * Nesting of JSON arrays and objects stowage accepts in a document (a config, a manifest). Go's encoding/json
 * (docker's) stops at 10,000; real documents nest under 10, and stowage's own walks recurse.
 */
export const JSON_DEPTH = 1000;
