#!/bin/sh
# The image's entrypoint: the first argument picks the app, the rest go to it.
#   upload-api | verifier | scanner | media | notifier   a long-running app
#   migrate                                             apply pending migrations and app logins, then exit
#   airlock <command> [args]                            the operators' CLI (sweep, dlq, rescan, …)
set -eu
# Paths are relative to the image's WORKDIR (/app), the repo root.
app="${1:-}"
[ "$#" -gt 0 ] && shift
case "$app" in
  upload-api | verifier | scanner | media | notifier)
    exec node "apps/$app/src/main.ts" "$@"
    ;;
  migrate)
    # Then each app's database login, for the apps given a password
    # (AIRLOCK_DB_PASSWORD_<APP>, see libs/postgres/src/app-logins.main.ts).
    node apps/ops/src/cli.ts db migrate "$@"
    exec node libs/postgres/src/app-logins.main.ts
    ;;
  airlock)
    exec node apps/ops/src/cli.ts "$@"
    ;;
  *)
    echo "usage: <upload-api|verifier|scanner|media|notifier|migrate|airlock> [args]" >&2
    exit 64
    ;;
esac
