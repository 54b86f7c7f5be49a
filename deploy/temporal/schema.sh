#!/usr/bin/env bash
# Creates Temporal's two PostgreSQL databases when they are missing, then sets up and upgrades their schemas to
# what the server binary expects. Safe to run again: an up-to-date database is left as it is. Run it before
# every start of a new server version (the schemas only move forward).
#
# Reads TEMPORAL_PG_HOST, TEMPORAL_PG_PORT, TEMPORAL_PG_USER, TEMPORAL_PG_PASSWORD, TEMPORAL_PG_DB,
# TEMPORAL_PG_VISIBILITY_DB, TEMPORAL_PG_TLS and TEMPORAL_PG_CA (the variables of config/production.yaml); TEMPORAL_SQL_TOOL names the
# temporal-sql-tool binary of the same version as the server (default: temporal-sql-tool on PATH). The role
# needs CREATEDB for the first run, unless the databases exist already.
set -euo pipefail
: "${TEMPORAL_PG_USER:?TEMPORAL_PG_USER is not set}" "${TEMPORAL_PG_PASSWORD:?TEMPORAL_PG_PASSWORD is not set}"
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
# The password goes through the environment (SQL_PASSWORD), never the command line.
export SQL_PLUGIN=postgres12 SQL_HOST="${TEMPORAL_PG_HOST:-127.0.0.1}" SQL_PORT="${TEMPORAL_PG_PORT:-5432}"
export SQL_USER="$TEMPORAL_PG_USER" SQL_PASSWORD="$TEMPORAL_PG_PASSWORD"
if [ "${TEMPORAL_PG_TLS:-false}" = true ]; then export SQL_TLS=true; fi
if [ -n "${TEMPORAL_PG_CA:-}" ]; then export SQL_TLS_CA_FILE="$TEMPORAL_PG_CA"; fi

prepare() { # <database> <embedded schema name>
  # The versioning tables are created only if missing: a first attempt fails when the database itself is missing.
  if ! "$tool" --db "$1" setup-schema -v 0.0 >/dev/null 2>&1; then
    "$tool" --db "$1" create-database
    "$tool" --db "$1" setup-schema -v 0.0
  fi
  "$tool" --db "$1" update-schema --schema-name "$2"
}
prepare "${TEMPORAL_PG_DB:-temporal}" postgresql/v12/temporal
prepare "${TEMPORAL_PG_VISIBILITY_DB:-temporal_visibility}" postgresql/v12/visibility
