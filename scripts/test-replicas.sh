#!/usr/bin/env bash
# The pipeline suites and the chaos test against a local stack running
# AIRLOCK_DEV_REPLICAS (default 3) processes of every worker and of the
# upload-api (docs/testing.md, "Replicas"). The stack is switched to that many
# replicas if it runs with another count, and left running; `npx airlock dev
# up --replicas 1` (or `dev down`) returns to one.
set -euo pipefail
cd "$(dirname "$0")/.."
export AIRLOCK_DEV_REPLICAS="${AIRLOCK_DEV_REPLICAS:-3}"
export NODE_OPTIONS='--experimental-vm-modules --disable-warning=ExperimentalWarning'

npx airlock dev up >/dev/null
# Files that drive the stack's own processes (not workers of their own), by app.
suites=(
  "apps/verifier test/(pipeline|object-integrity)\.test"
  "apps/scanner test/(pipeline|verdict|verdict-reuse)\.test"
  "apps/notifier test/(webhooks|outbox|relay-replicas|pipeline-metrics|upload-trace)\.test"
  "apps/upload-api test/(openapi-answers|key-revocation|security-hardening)\.test"
  "apps/ops test/(cli|dlq|dashboard-metrics|chaos)\.test"
)
for suite in "${suites[@]}"; do
  read -r project pattern <<<"$suite"
  echo "== $project ($AIRLOCK_DEV_REPLICAS replicas): $pattern"
  npx jest -c "$project/jest.integration.config.js" --runInBand "$pattern"
done
