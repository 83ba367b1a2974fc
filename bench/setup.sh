#!/usr/bin/env bash
# Installs what the benchmarks compare against: nginx (a target that outruns every client) and
# wrk (the C reference client). autocannon comes from npm (devDependency). Needs root or sudo and
# Debian/Ubuntu; anywhere else it prints what to install and the benchmarks run without them.
set -u
missing=()
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -eq 0 ]; then
  echo "bench/setup.sh: nginx, wrk and taskset are installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
fi
if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
  echo "bench/setup.sh: installing ${missing[*]}"
  $SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null \
    || echo "bench/setup.sh: install failed; the benchmarks run without ${missing[*]}"
else
  echo "bench/setup.sh: not installed: ${missing[*]}. On Debian/Ubuntu: sudo apt-get install ${missing[*]}"
  echo "bench/setup.sh: the benchmarks run without them (node target only, no wrk column)"
fi
exit 0
