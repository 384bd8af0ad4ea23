# Makes sure the `node` on PATH is at least the project's floor (22.12).
#
# When it is older (or missing from PATH while npm is there), installs Node 22
# from the npm registry (the `node@22` package, which brings the binary through
# the registry and nothing else) into a cache folder outside the repository,
# and puts that folder first on PATH. On a machine with Node >= 22.12 it does
# nothing.
#
#   source scripts/ensure-node.sh     # in your shell (bash or zsh): PATH changes there
#   bash scripts/ensure-node.sh       # prints the node it settled on; PATH changes only inside
#
# The cache folder is $GEMINI_VIDEO_MCP_NODE_DIR, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/gemini-video-mcp/node22. It is reused on the
# next run; delete it to get the newest Node 22.
#
# Sourced, it must not change the calling shell's options or leave variables
# behind, so it uses no `set -e` and keeps its state in one function.

_gvm_ensure_node() {
  local floor_major=22 floor_minor=12
  local dir="${GEMINI_VIDEO_MCP_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gemini-video-mcp/node22}"
  local bin="$dir/node_modules/node/bin"

  # True when the given node binary is at least the floor.
  _gvm_node_ok() {
    "$1" -e "const [a, b] = process.versions.node.split('.').map(Number); process.exit(a > $floor_major || (a === $floor_major && b >= $floor_minor) ? 0 : 1)" 2>/dev/null
  }

  if command -v node >/dev/null 2>&1 && _gvm_node_ok node; then
    return 0
  fi

  if [ ! -x "$bin/node" ] || ! _gvm_node_ok "$bin/node"; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "ensure-node: Node >= $floor_major.$floor_minor is needed and neither it nor npm is on PATH; install Node 22 (see .nvmrc)." >&2
      return 1
    fi
    echo "ensure-node: node on PATH is $(node --version 2>/dev/null || echo missing); installing Node $floor_major from the npm registry into $dir" >&2
    # A fresh folder, renamed into place when complete, so an interrupted
    # install never looks like a finished one. The package's own install
    # script (it picks the binary for this platform) is the one it runs,
    # declared as npm 11 expects.
    local tmp="$dir.tmp.$$"
    rm -rf "$tmp" && mkdir -p "$tmp" || return 1
    printf '{ "private": true, "allowScripts": { "node": true } }\n' >"$tmp/package.json"
    if ! npm install --prefix "$tmp" --no-save --no-audit --no-fund --loglevel=error "node@$floor_major" >&2; then
      rm -rf "$tmp"
      echo "ensure-node: npm install node@$floor_major failed" >&2
      return 1
    fi
    if ! _gvm_node_ok "$tmp/node_modules/node/bin/node"; then
      rm -rf "$tmp"
      echo "ensure-node: the installed node@$floor_major is older than $floor_major.$floor_minor" >&2
      return 1
    fi
    rm -rf "$dir" && mkdir -p "$(dirname "$dir")" && mv "$tmp" "$dir" || return 1
  fi

  case ":$PATH:" in
    *":$bin:"*) ;;
    *) PATH="$bin:$PATH" ;;
  esac
  export PATH
  hash -r 2>/dev/null
  _gvm_node_ok node || {
    echo "ensure-node: $bin is first on PATH but node there is not >= $floor_major.$floor_minor" >&2
    return 1
  }
}

if (return 0 2>/dev/null); then
  # Sourced.
  _gvm_ensure_node
  # $? is expanded before the unset runs: the function's own status.
  eval "unset -f _gvm_ensure_node _gvm_node_ok; return $?"
else
  _gvm_ensure_node || exit 1
  echo "node $(node --version) at $(command -v node)"
fi
