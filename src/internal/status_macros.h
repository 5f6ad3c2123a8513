// Internal: keep StatusOr code flat. Debian's abseil (20220623) predates
// absl's own RETURN_IF_ERROR/ASSIGN_OR_RETURN, so writ defines its own.
#ifndef WRIT_SRC_INTERNAL_STATUS_MACROS_H_
#define WRIT_SRC_INTERNAL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define WRIT_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::absl::Status writ_status_ = (expr);        \
    if (!writ_status_.ok()) return writ_status_; \
  } while (false)

#define WRIT_STATUS_CONCAT_INNER(a, b) a##b
#define WRIT_STATUS_CONCAT(a, b) WRIT_STATUS_CONCAT_INNER(a, b)

#define WRIT_ASSIGN_OR_RETURN(lhs, expr) \
  WRIT_ASSIGN_OR_RETURN_IMPL(WRIT_STATUS_CONCAT(writ_statusor_, __LINE__), lhs, expr)

#define WRIT_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // WRIT_SRC_INTERNAL_STATUS_MACROS_H_
