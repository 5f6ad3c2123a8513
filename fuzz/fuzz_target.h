// The libFuzzer entry point every target in fuzz/ defines. Built with clang
// and -fsanitize=fuzzer, libFuzzer drives it; built with any compiler and
// replay_main.cc, it replays a saved corpus (the test suite does that, so a
// crash once found stays fixed).
#ifndef WRIT_FUZZ_FUZZ_TARGET_H_
#define WRIT_FUZZ_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

#endif  // WRIT_FUZZ_FUZZ_TARGET_H_
