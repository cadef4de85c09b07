/** Limits that keep untrusted input from exhausting memory. */

/** The largest JSON document stowage will parse (manifest.json, index.json, a config, a manifest). */
export const JSON_LIMIT = 16 << 20;

/** Symlinks and hard links followed, at most, to reach one file of an archive. */
export const LINK_HOPS = 40;

/** Nested image indexes followed, at most, in an OCI layout. */
export const INDEX_DEPTH = 8;
