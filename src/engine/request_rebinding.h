// Internal: carrying a request's values over to another policy's schema, so
// a shadow policy can decide a Request that was filled for the live one.
#ifndef WRIT_SRC_ENGINE_REQUEST_REBINDING_H_
#define WRIT_SRC_ENGINE_REQUEST_REBINDING_H_

#include "writ/policy.h"
#include "writ/request.h"

namespace writ::internal {

// A request for `target` holding, for each of its attributes, the value
// `request` has for the attribute of the same path — assigned through the
// typed setters, so a value the target's type does not accept becomes
// wrong-typed exactly as input would. A wrong-typed source value stays
// wrong-typed, with its message. Attributes `request`'s schema lacks are
// absent.
Request RebindRequest(const Request& request, const Policy& target);

}  // namespace writ::internal

#endif  // WRIT_SRC_ENGINE_REQUEST_REBINDING_H_
