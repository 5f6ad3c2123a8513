/* writ — the C API, for embedding writ from C, nginx modules, Go (cgo),
 * Rust and Python (ctypes).
 *
 *   writ_engine* engine = NULL;
 *   char* diagnostics = NULL;
 *   const char* files[] = {"agent.writ"};
 *   if (writ_engine_create_from_files(files, 1, NULL, &engine, &diagnostics)
 *       != WRIT_OK) {
 *     fprintf(stderr, "%s", diagnostics);
 *     writ_string_free(diagnostics);
 *     return 1;
 *   }
 *   writ_decision decision;
 *   char* explanation = NULL;
 *   char* error = NULL;
 *   writ_status status = writ_engine_evaluate_json(
 *       engine, json, strlen(json), &decision, &explanation, &error);
 *   ...
 *   writ_string_free(explanation);
 *   writ_engine_free(engine);
 *
 * Conventions. C11; no C++ type, exception or longjmp crosses this
 * boundary. Every function returns a writ_status (or nothing). Handles are
 * opaque and freed by their writ_*_free function; NULL may be passed to any
 * free function. Strings the library returns through `char**` are
 * NUL-terminated, allocated by the library, and freed with
 * writ_string_free; such an out-parameter may be NULL when the caller does
 * not want the string, and is set to NULL when there is nothing to return.
 * Input strings are UTF-8 with an explicit length, or NUL-terminated where
 * no length is taken.
 *
 * Thread-safety: a writ_policy is immutable; writ_policy_evaluate_json may be
 * called on one policy from many threads. Every writ_engine function may be
 * called from any thread at any time (see writ/engine.h).
 */
#ifndef WRIT_WRIT_H_
#define WRIT_WRIT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum writ_status {
  WRIT_OK = 0,
  /* A required pointer was NULL, or a count/option was out of range. */
  WRIT_INVALID_ARGUMENT = 1,
  /* The policy set did not compile; the diagnostics say why. */
  WRIT_COMPILE_ERROR = 2,
  /* A policy file does not exist. */
  WRIT_NOT_FOUND = 3,
  /* The request was refused before deciding: not JSON, not an object, an
   * attribute given twice, or over a request limit. Not a decision: a
   * gateway should deny. */
  WRIT_INPUT_ERROR = 4,
  /* A file could not be read or the log file could not be opened. */
  WRIT_IO_ERROR = 5,
  /* Out of memory or an internal failure; nothing was changed. */
  WRIT_INTERNAL_ERROR = 6
} writ_status;

/* "WRIT_OK", "WRIT_COMPILE_ERROR", ...; never NULL. */
const char* writ_status_name(writ_status status);

typedef enum writ_effect { WRIT_DENY = 0, WRIT_ALLOW = 1 } writ_effect;

/* One source file of a policy set; `name` appears in diagnostics and rule
 * locations. */
typedef struct writ_source {
  const char* name;
  const char* text;
  size_t text_length;
} writ_source;

/* A decision and the policy that made it. */
typedef struct writ_decision {
  writ_effect effect;
  int default_applied;     /* 1 when no rule applied and `default` decided */
  char policy_digest[72];  /* "sha256:" + 64 hex digits, NUL-terminated */
} writ_decision;

void writ_string_free(char* text);

/* ---- Compiled policies ------------------------------------------------ */

typedef struct writ_policy writ_policy;

/* Compiles `count` sources in order. On WRIT_COMPILE_ERROR, `*diagnostics`
 * (if not NULL) holds every diagnostic as compilers print them. */
writ_status writ_policy_compile(const writ_source* sources, size_t count,
                                writ_policy** policy, char** diagnostics);
writ_status writ_policy_compile_files(const char* const* paths, size_t count,
                                      writ_policy** policy,
                                      char** diagnostics);
void writ_policy_free(writ_policy* policy);

/* The policy's digest, valid as long as the policy. */
const char* writ_policy_digest(const writ_policy* policy);

/* Decides one JSON request (SPEC §6). `explanation` (if not NULL) receives
 * the explanation record as one line of JSON; on WRIT_INPUT_ERROR `error`
 * (if not NULL) receives the reason. On any status but WRIT_OK, `*decision`
 * (if not NULL) is a deny with an empty digest: not a decision, but never
 * an earlier call's allow. Each thread reads into a request of its
 * own that it keeps between calls, so a warm call without an explanation
 * allocates nothing; that request holds the last policy's schema until the
 * thread decides for another policy or exits. */
writ_status writ_policy_evaluate_json(const writ_policy* policy,
                                      const char* json, size_t json_length,
                                      writ_decision* decision,
                                      char** explanation, char** error);

/* ---- Engines: hot reload, decision log ---------------------------------- */

typedef struct writ_engine writ_engine;

/* How durable each batch of log lines is (writ::FileSync). NONE is 0, so a
 * zero-initialized writ_engine_options logs with NONE: set FLUSH (what the
 * C++ FileSinkOptions default to) for records that survive a process
 * crash. */
typedef enum writ_log_sync {
  WRIT_LOG_SYNC_NONE = 0,  /* left in the C library's buffer */
  WRIT_LOG_SYNC_FLUSH = 1, /* fflush after each batch */
  WRIT_LOG_SYNC_FSYNC = 2  /* fflush and fsync after each batch */
} writ_log_sync;

/* Zero-initialize, then set what you need; zero fields take the defaults. */
typedef struct writ_engine_options {
  /* Decision log file (JSON lines); NULL logs nothing. */
  const char* log_path;
  /* Rotate the log at this size; 0 means 64 MiB. */
  uint64_t log_max_bytes;
  writ_log_sync log_sync;
  /* Records the log queue holds before dropping; 0 means 16384. */
  size_t log_queue_capacity;
  /* Request JSON limits; 0 means the default (1 MiB, 1024, 10000). */
  size_t max_request_bytes;
  size_t max_request_depth;
  size_t max_request_members;
} writ_engine_options;

typedef struct writ_engine_stats {
  uint64_t decisions;
  uint64_t input_errors;
  uint64_t reloads_ok;
  uint64_t reloads_failed;
  uint64_t shadow_decisions;
  uint64_t shadow_disagreements;
  uint64_t log_records;
  uint64_t log_drops;
  /* Records the log file took, and its failed writes or flushes (a full
   * disk, say: the records in them are lost). */
  uint64_t log_written;
  uint64_t log_write_errors;
} writ_engine_stats;

/* `options` may be NULL for the defaults. */
writ_status writ_engine_create(const writ_source* sources, size_t count,
                               const writ_engine_options* options,
                               writ_engine** engine, char** diagnostics);
writ_status writ_engine_create_from_files(const char* const* paths,
                                          size_t count,
                                          const writ_engine_options* options,
                                          writ_engine** engine,
                                          char** diagnostics);
/* Writes what is queued for the log, then frees the engine. */
void writ_engine_free(writ_engine* engine);

/* Decides one JSON request with the engine's live policy; as
 * writ_policy_evaluate_json otherwise. */
writ_status writ_engine_evaluate_json(const writ_engine* engine,
                                      const char* json, size_t json_length,
                                      writ_decision* decision,
                                      char** explanation, char** error);

/* Compiles and swaps in a new live policy. On failure the last good policy
 * keeps deciding and `*diagnostics` says why. */
writ_status writ_engine_reload(writ_engine* engine,
                               const writ_source* sources, size_t count,
                               char** diagnostics);
writ_status writ_engine_reload_files(writ_engine* engine,
                                     const char* const* paths, size_t count,
                                     char** diagnostics);

/* A shadow policy decides every request too, unenforced; disagreements are
 * counted (and logged). count == 0 removes the shadow. */
writ_status writ_engine_set_shadow(writ_engine* engine,
                                   const writ_source* sources, size_t count,
                                   char** diagnostics);

writ_status writ_engine_stats_get(const writ_engine* engine,
                                  writ_engine_stats* stats);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* WRIT_WRIT_H_ */
