/**
 * stowage as a library: open any image source, inspect and verify it, write images anywhere. The CLI
 * (src/cli) is a thin skin over these.
 */
export { StowageError, UsageError, TruncatedError, ReportedFailure, hasCode, ERROR_CODES, type ErrorCode, type ErrorOptions } from './errors.js';
export { sha256, isDigest, parseDigest, type Digest } from './oci/digest.js';
export { chainIds } from './oci/identities.js';
export { v1LayerId, v1LayerIds } from './oci/v1id.js';
export { parseReference, formatReference, familiarName, repositoryName, normalizeTag, type Reference } from './oci/reference.js';
export { parsePlatform, formatPlatform, hostPlatform, type Platform } from './oci/platform.js';
export type { Descriptor, Manifest, Index, ImageConfig, HistoryEntry } from './oci/types.js';
export type { ImageSource, SourceImage, LayerRecord, ManifestInfo, StoredBlob } from './image/model.js';
export type { Layer } from './image/layer.js';
export {
  applyEdit, newImage, withConfig, withLayers, withManifest, withTags, type EditContext, type EditResult,
} from './image/mutate.js';
export { writableFrom, type WritableImage, type WritableLayer } from './image/writable.js';
export { openSource, pickOne, filterPlatform, type OpenOptions } from './transports/open.js';
export { parseSourceSpec } from './transports/spec.js';
export { parseDestSpec, writeImages, destAccepts, type DestSpec } from './transports/dest.js';
export { TRANSPORTS, registerTransport, type DestAccepts, type DestKind, type TransportEntry } from './transports/table.js';
export type { StagedWrite, WriteOptions, WriteResult, SourceSpec } from './transports/contract.js';
export { inspect, type InspectReport } from './ops/inspect.js';
export { verify, type VerifyReport } from './ops/verify.js';
export { readTar, type TarEntry } from './tar/reader.js';
export { TarWriter } from './tar/writer.js';
export { exportImage, type ExportReport, type ExportOptions } from './ops/export.js';
// Each op that makes images has a make* form returning them (ImagesMade) for produce(), the one writer.
export { produce, type ImagesMade } from './ops/produce.js';
export { squash, makeSquash, type SquashReport, type SquashOptions } from './ops/squash.js';
export { importRootfs, makeImport, type ImportReport, type ImportOptions } from './ops/import.js';
export { mergeLayers, type MergeLayer, type MergeOptions, type MergeStats } from './layerfs/merge.js';
export { copyImages, makeCopy, type CopyOptions, type CopyReport } from './ops/copy.js';
export type { PushOptions, PushResult } from './transports/registry/options.js';
export { openRegistrySource, registryReference } from './transports/registry/source.js';
export { RegistryClient } from './transports/registry/client.js';
export { RegistryHttp } from './transports/registry/http.js';
export { resolveCredentials } from './transports/registry/credentials.js';
export type { RegistryOptions, Credentials } from './transports/registry/options.js';
export { edit, makeEdit, planEdit, refuseSameOutput, type EditReport, type EditOptions, type EditWriteOptions, type EditPlan } from './ops/edit.js';
export {
  applyConfigChanges, applyAnnotationChanges, resolveTags, withEditHistory, serializeConfig, diffConfigs, editRequest,
  type ConfigChange, type AnnotationChange, type EditRequest, type TagRequest, type EditOutcome, type ConfigDiff,
  type EditValues,
} from './image/config-edit.js';
export { EDIT_FIELDS, type EditField } from './image/edit-fields.js';
// Thin archives: the layers a target lacks (delta), whether a target can load one (check), and a whole image
// rebuilt from one and its base (apply). A HaveSet says what a target holds, by ChainID.
export { writeDelta, makeDelta, type DeltaReport, type DeltaLayout } from './ops/delta.js';
export { check, type CheckReport, type CheckedLayer } from './ops/check.js';
export { apply, makeApply, type ApplyReport } from './ops/apply.js';
export { HaveSet, parseHave, mergeHave, type HaveImage, type HaveFile } from './ops/have.js';
export { haveFromSource, haveFromFile } from './ops/have-sources.js';
// The other questions: two images compared, what each layer holds, what an engine records, a registry's tags.
export { diff, type DiffReport, type LayerPair, type FieldChange } from './ops/diff.js';
export { analyzeLayers, type LayersOptions, type LayersAnalysis, type LayersReport, type LayerReport } from './ops/layers.js';
export { local, type LocalReport, type LocalImage } from './ops/local.js';
export { listTags, digestOf, deleteImage, type LsReport, type DigestReport, type DeleteReport } from './ops/registry-admin.js';
// Patch deltas (delta --patch): small when no layer is byte-identical. zstd is loaded on first use.
export { writePatchDelta, type PatchDeltaReport } from './ops/patch-delta.js';
export { applyPatchDelta, makePatchApply, type PatchApplyReport } from './ops/patch-apply.js';
export { checkPatchDelta, describePatchDelta } from './ops/patch-inspect.js';
export { isPatchDelta, readPatchDelta } from './patch/read-delta.js';
// openSource(DELTA, { also: ['patch-delta'] }) opens a delta or bundle as a source; this gives the delta itself.
export { patchDeltaOf, type OpenedDelta } from './transports/patch-delta/source.js';
// Bundles: a release of many images for offline sites (one patch delta for every listed site state), and parts.
export { writeBundle, type BundleReport, type SiteState } from './ops/bundle.js';
export { readDeltaInput } from './patch/delta-input.js';
export { writeReceipt } from './ops/receipt.js';
export { basesAtDestination } from './ops/site-bases.js';
export { openPartOutput, openPartSet, parsePartSize, writeParts, type PartSet } from './parts/index.js';
