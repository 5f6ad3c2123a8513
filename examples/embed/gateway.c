/* The toy gateway through the C API: decides JSON requests, one per line
 * of stdin, printing "allow"/"deny" and the deciding policy's digest.
 *
 *   gateway_c POLICY.writ... < requests.jsonl */
#include <stdio.h>
#include <string.h>

#include "writ/writ.h"

int main(int argc, char** argv) {
  writ_engine* engine = NULL;
  char* diagnostics = NULL;
  if (argc < 2) {
    fprintf(stderr, "usage: gateway_c POLICY.writ...\n");
    return 2;
  }
  writ_status status = writ_engine_create_from_files(
      (const char* const*)(argv + 1), (size_t)(argc - 1), NULL, &engine, &diagnostics);
  if (status != WRIT_OK) {
    fprintf(stderr, "%s: %s", writ_status_name(status), diagnostics ? diagnostics : "\n");
    writ_string_free(diagnostics);
    return 1;
  }
  char line[65536];
  while (fgets(line, sizeof(line), stdin) != NULL) {
    writ_decision decision;
    char* error = NULL;
    status = writ_engine_evaluate_json(engine, line, strlen(line), &decision, NULL, &error);
    if (status == WRIT_OK) {
      printf("%s %s\n", decision.effect == WRIT_ALLOW ? "allow" : "deny",
             decision.policy_digest);
    } else {
      printf("deny (bad request: %s)\n", error ? error : writ_status_name(status));
    }
    writ_string_free(error);
  }
  writ_engine_free(engine);
  return 0;
}
