#!/usr/bin/env bash
# What `npm run cluster` and the cluster tests (test/cluster) need besides dependencies: the Temporal server and its
# schema tool (built once into the tools dir, scripts/temporal-server.sh), and PostgreSQL: the one
# POLLSTER_CLUSTER_PG_URL names, or this machine's (Debian's postgresql, installed with apt-get when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/temporal-server.sh >/dev/null
if [ -z "${POLLSTER_CLUSTER_PG_URL:-}" ] && ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "pollster: installing Debian's postgresql for the cluster (apt-get)" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo -n"; fi
  if ! { command -v apt-get >/dev/null 2>&1 && $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2; }; then
    echo "pollster: could not install postgresql with apt-get; install PostgreSQL or set POLLSTER_CLUSTER_PG_URL" >&2
    exit 1
  fi
fi
