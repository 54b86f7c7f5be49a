#!/usr/bin/env bash
# Everything a fresh clone needs before `npm start`, `npm test` or `npm run bench`: dependencies and the Temporal CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "pollster: installing dependencies" >&2
  # `npm ci`: exactly the committed lock (which lists every platform's optional binaries, so no
  # platform adds entries), or a clear error when package.json and the lock disagree.
  npm ci --no-audit --no-fund >&2
fi
bash scripts/temporal-cli.sh >/dev/null
# The Temporal server and PostgreSQL, for the cluster suite and `npm run cluster` only (the server's first build takes minutes).
case "${npm_lifecycle_event:-}" in test | cluster) bash scripts/cluster-setup.sh ;; esac
# jemalloc for the worker (workers/allocator.ts: on it the worker caches 500 workflows in the memory glibc's malloc needs
# for 100). Installed with apt-get when missing; without it the worker runs on the system's malloc with a cache of 100.
if [ ! -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] && [ ! -e /usr/lib/aarch64-linux-gnu/libjemalloc.so.2 ] && command -v apt-get >/dev/null 2>&1; then
  echo "pollster: installing Debian's libjemalloc2 for the worker (apt-get)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo -n"; fi
  if ! { $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libjemalloc2 >&2; }; then
    echo "pollster: could not install libjemalloc2; the worker runs on the system's malloc with a cache of 100" >&2
  fi
fi
# Browser tests (test/browser, run by `npm test`) drive Debian's Chromium through playwright-core: install it
# when it is missing. Only for the test run (npm start and bench never need a browser). A failed install is
# not fatal here: the browser tests then fail with a one-line explanation instead of skipping.
if [ "${npm_lifecycle_event:-}" = test ] && [ -d test/browser ] && ! command -v chromium >/dev/null 2>&1; then
  echo "pollster: installing Debian's chromium for the browser tests (apt-get)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo -n"; fi
  if ! { command -v apt-get >/dev/null 2>&1 && $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2; }; then
    echo "pollster: could not install chromium with apt-get; the browser tests will fail" >&2
  fi
fi
