#!/usr/bin/env bash
# Prints the directory holding the Temporal server (temporal-server) and its schema tool (temporal-sql-tool),
# both v1.29.1, for `npm run cluster` and the cluster tests. Installed once with `go install` into the per-user
# tools directory (outside the repo, like the CLI in temporal-cli.sh): about 5 minutes of build on a fresh machine,
# then reused by every later run and by CI on the same machine.
set -euo pipefail
VERSION=v1.29.1
BIN_DIR="${POLLSTER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pollster/bin}"
SERVER="$BIN_DIR/temporal-server"
SQL_TOOL="$BIN_DIR/temporal-sql-tool"

# Both print their version: "temporal version 1.29.1", "temporal-sql-tool version 1.29.1".
current() { [ -x "$1" ] && "$1" --version 2>/dev/null | grep -q "version ${VERSION#v}\$"; }

install() { # <package> <installed name>
  local tmp
  # Built beside its final place, then renamed: a concurrent run never sees half a binary.
  tmp="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
  if ! (cd "$tmp" && GOBIN="$tmp" go install "go.temporal.io/server/$1@$VERSION" >&2); then
    rm -rf "$tmp"
    echo "pollster: 'go install go.temporal.io/server/$1@$VERSION' failed; see the error above" >&2
    return 1
  fi
  mv "$tmp/$(basename "$1")" "$BIN_DIR/$2"
  rm -rf "$tmp"
}

if current "$SERVER" && current "$SQL_TOOL"; then echo "$BIN_DIR"; exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  echo "pollster: the Temporal server $VERSION is not in $BIN_DIR and there is no Go toolchain to build it (go install go.temporal.io/server/cmd/server@$VERSION)" >&2
  exit 1
fi
mkdir -p "$BIN_DIR"
echo "pollster: building the Temporal server $VERSION and its schema tool into $BIN_DIR (once; about 5 minutes)" >&2
current "$SERVER" || install cmd/server temporal-server
current "$SQL_TOOL" || install cmd/tools/sql temporal-sql-tool
current "$SERVER" && current "$SQL_TOOL" || { echo "pollster: the installed Temporal server or schema tool in $BIN_DIR does not run" >&2; exit 1; }
echo "$BIN_DIR"
