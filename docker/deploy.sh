#!/bin/sh
# deploy (one-shot): create the process work pool if missing, then register every deployment
# of prefect.yaml. The {{ $VARS }} of prefect.yaml are resolved here, at deploy time.
set -eu
: "${PREFECT_API_URL:?PREFECT_API_URL must point at the Prefect server}"
export WHATSAPP_SYNC_INTERVAL_MINUTES="${WHATSAPP_SYNC_INTERVAL_MINUTES:-10}"  # the spec's default
export KENNY_WA_APP_DIR="${KENNY_WA_APP_DIR:-/app}"
pool="${KENNY_WA_WORK_POOL:-kenny-wa}"
cd "$KENNY_WA_APP_DIR"
prefect work-pool inspect "$pool" >/dev/null 2>&1 || prefect work-pool create "$pool" --type process
prefect --no-prompt deploy --all
