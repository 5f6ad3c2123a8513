#!/usr/bin/env bash
# Installs the built tree into a temporary prefix and builds examples/embed
# against the *installed* package (CMake config and pkg-config), then runs
# the example gateways. Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build_dir" --prefix "$prefix" >/dev/null
test -x "$prefix/bin/writ"
test -f "$prefix/include/writ/engine.h"
test -f "$prefix/include/writ/writ.h"
if [[ -e "$prefix/include/writ/broker.h" ]]; then  # not part of libwrit
  echo "broker.h should not be installed" >&2
  exit 1
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$source_dir/examples/embed" -B "$work/build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/build" -j 2 >/dev/null

policy=("$source_dir"/policies/agent-gateway/{schema,lets,allow,deny,default}.writ)
requests="$source_dir/policies/agent-gateway/requests"
input=$(printf '%s\n!reload\n%s\nnot json\n' \
  "$(tr -d '\n' < "$requests/01-docs-search-allowed.json")" \
  "$(tr -d '\n' < "$requests/19-ipv6-metadata-denied.json")")

for gateway in gateway gateway_static; do
  output=$(printf '%s\n' "$input" | "$work/build/$gateway" --log "$work/$gateway.jsonl" "${policy[@]}")
  echo "$output" | sed -n 1p | grep -q '^allow sha256:[0-9a-f]\{64\}$'
  echo "$output" | sed -n 2p | grep -qx 'reload ok'
  echo "$output" | sed -n 3p | grep -q '^deny sha256:'
  echo "$output" | sed -n 4p | grep -q '^deny (bad request'
  test "$(wc -l < "$work/$gateway.jsonl")" -eq 2
done
output=$(printf '%s\n' "$input" | grep -v '^!' | "$work/build/gateway_c" "${policy[@]}")
echo "$output" | sed -n 1p | grep -q '^allow sha256:'
echo "$output" | sed -n 2p | grep -q '^deny sha256:'

# pkg-config: a C program built with nothing but `pkg-config writ`.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib/$(gcc -dumpmachine)/pkgconfig"
cc -std=c11 $(pkg-config --cflags writ) "$source_dir/examples/embed/gateway.c" \
  -o "$work/gateway_pkgconfig" $(pkg-config --libs writ) -Wl,-rpath,"$prefix/lib"
printf '{}\n' | "$work/gateway_pkgconfig" "${policy[@]}" | grep -q '^deny sha256:'

"$prefix/bin/writ" check "${policy[@]}"
echo "install test: ok"
