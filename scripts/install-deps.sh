#!/usr/bin/env bash
# Installs the Debian 12 packages writ builds with, only those missing.
# Everything comes from Debian's archive; nothing else is downloaded.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  tao-pegtl-dev libabsl-dev libre2-dev libsimdjson-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-jwt
)
# Extra packages named by later parts of the build (fuzzing, sanitizers).
if [[ -f scripts/extra-packages.txt ]]; then
  while read -r extra; do
    [[ -n "$extra" && "$extra" != \#* ]] && packages+=("$extra")
  done < scripts/extra-packages.txt
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "writ: installing missing packages: ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
