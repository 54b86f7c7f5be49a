#!/usr/bin/env bash
# Prints the path of a working Temporal CLI: $POLLSTER_TEMPORAL_CLI, `temporal` on PATH, or the
# per-user copy that this script installs once with `go install` (outside the repo, reused by later runs and CI).
set -euo pipefail
VERSION=v1.5.1
BIN_DIR="${POLLSTER_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pollster/bin}"

works() { [ -n "$1" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

for candidate in "${POLLSTER_TEMPORAL_CLI:-}" "$(command -v temporal || true)" "$BIN_DIR/temporal"; do
  if works "$candidate"; then echo "$candidate"; exit 0; fi
done

if ! command -v go >/dev/null 2>&1; then
  echo "pollster: no Temporal CLI on PATH and no Go toolchain to install it (go install github.com/temporalio/cli/cmd/temporal@$VERSION); install one of them" >&2
  exit 1
fi
mkdir -p "$BIN_DIR"
echo "pollster: installing the Temporal CLI $VERSION into $BIN_DIR (once; takes a few minutes)" >&2
if ! (cd "$BIN_DIR" && GOBIN="$BIN_DIR" go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2); then
  echo "pollster: 'go install github.com/temporalio/cli/cmd/temporal@$VERSION' failed; see the error above" >&2
  exit 1
fi
works "$BIN_DIR/temporal" || { echo "pollster: installed $BIN_DIR/temporal does not run" >&2; exit 1; }
echo "$BIN_DIR/temporal"
