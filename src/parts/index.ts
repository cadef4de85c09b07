/**
 * Parts for removable media (docs/parts-format.md): any stowage output byte stream cut into numbered,
 * self-describing, checksummed files, and read back from files, folders or one stream.
 */
export {
  PART_SCHEMA, HEADER_SIZE, TRAILER_SIZE, PART_OVERHEAD, MIN_PART_SIZE, MAX_PARTS,
  partLayout, partName, partFileSize, encodeHeader, decodeHeader, type PartHeader,
} from './format.js';
export { parsePartSize, PART_SIZE_HELP } from './size.js';
export { openPartOutput, writeParts, existingParts, type PartOutput, type PartWriteOptions, type PartSetWritten } from './writer.js';
export { readPartHead, isPartFile, type PartFile } from './head.js';
export { scanParts, scanError, expandPartInputs, type PartScan, type PartProblem, type PartProblemKind, type ScanOptions } from './scan.js';
export { partPayload, checkPart, type PartCheck } from './part-payload.js';
export { PartSet, openPartSet, type PartLocation } from './part-set.js';
export { readPartStream, type PartStreamOptions } from './part-stream.js';
export { checkParts, type PartsReport, type PartEntry } from './check-parts.js';
export { arePartSources } from './sniff.js';
