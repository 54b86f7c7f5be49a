#!/usr/bin/env bash
# Everything a fresh clone needs before `npm start`, `npm test` or `npm run bench`: dependencies and the Temporal CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "pollster: installing dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
bash scripts/temporal-cli.sh >/dev/null
