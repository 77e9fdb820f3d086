#!/bin/sh
# deploy (one-shot): create the process work pool if missing, then register the deployment
# of prefect.yaml. Its {{ $VARS }} are resolved here, at deploy time.
set -eu
: "${PREFECT_API_URL:?PREFECT_API_URL must point at the Prefect server}"
# kenny-wa deploy fills prefect.yaml's interval (WHATSAPP_SYNC_INTERVAL_MINUTES, default 10)
# and project folder (KENNY_WA_APP_DIR=/app in the image) from the settings
exec kenny-wa deploy
