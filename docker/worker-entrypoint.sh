#!/bin/sh
# whatsapp-worker: the health server in the background, the Prefect process worker in front.
# Each flow run is a subprocess of the worker and inherits this environment.
set -eu
kenny-wa health --host "${KENNY_WA_HEALTH_HOST:-0.0.0.0}" --port "${KENNY_WA_HEALTH_PORT:-9109}" &
exec prefect worker start --pool "${KENNY_WA_WORK_POOL:-kenny-wa}" --type process
