/*
 * The few zstd calls a patch delta needs, for the WebAssembly build (scripts/zstd-wasm/build.sh). They do what
 * src/patch/zstd.ts did through zstd-napi, parameter for parameter, so frames are byte for byte the same: one frame
 * of a buffer at a level and window, matched against a reference loaded whole into the working context
 * (ZSTD_dictForceLoad, with long-distance matching on), and its decoding with the same reference.
 * Results are sizes, or a negated zstd error code (sw_error names it).
 */
#define ZSTD_STATIC_LINKING_ONLY
#include <stdlib.h>
#include "zstd.h"
#include "zstd_errors.h"

#define EXPORT(name) __attribute__((export_name(name)))

/* One context each, kept: their tables are reused from call to call instead of reallocated. */
static ZSTD_CCtx *cctx;
static ZSTD_DCtx *dctx;

static long fail(size_t r) { return -(long)ZSTD_getErrorCode(r); }

EXPORT("sw_malloc") void *sw_malloc(size_t n) { return malloc(n); }
EXPORT("sw_free") void sw_free(void *p) { free(p); }

EXPORT("sw_compress")
long sw_compress(void *dst, size_t cap, const void *src, size_t len, const void *ref, size_t refLen, int level,
                 int windowLog) {
  size_t r;
  if (!cctx && !(cctx = ZSTD_createCCtx())) return -(long)ZSTD_error_memory_allocation;
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  if (ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level))) return fail(r);
  if (ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, windowLog))) return fail(r);
  if (refLen) {
    if (ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1))) return fail(r);
    if (ZSTD_isError(r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_forceAttachDict, ZSTD_dictForceLoad))) return fail(r);
    r = ZSTD_CCtx_loadDictionary_advanced(cctx, ref, refLen, ZSTD_dlm_byRef, ZSTD_dct_rawContent);
    if (ZSTD_isError(r)) return fail(r);
  }
  r = ZSTD_compress2(cctx, dst, cap, src, len);
  return ZSTD_isError(r) ? fail(r) : (long)r;
}

EXPORT("sw_decompress")
long sw_decompress(void *dst, size_t cap, const void *src, size_t len, const void *ref, size_t refLen) {
  size_t r;
  if (!dctx && !(dctx = ZSTD_createDCtx())) return -(long)ZSTD_error_memory_allocation;
  ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters);
  if (ZSTD_isError(r = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX))) return fail(r);
  if (refLen) {
    r = ZSTD_DCtx_loadDictionary_advanced(dctx, ref, refLen, ZSTD_dlm_byRef, ZSTD_dct_rawContent);
    if (ZSTD_isError(r)) return fail(r);
  }
  r = ZSTD_decompressDCtx(dctx, dst, cap, src, len);
  return ZSTD_isError(r) ? fail(r) : (long)r;
}

/* The name of a negated error code, for messages. */
EXPORT("sw_error") const char *sw_error(long code) { return ZSTD_getErrorString((ZSTD_ErrorCode)-code); }

EXPORT("sw_version") unsigned sw_version(void) { return ZSTD_versionNumber(); }
