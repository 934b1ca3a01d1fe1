#!/bin/sh
# The image's command: runs the service named by SERVICE (or the first argument) in the
# foreground as PID 1's exec, with that service's Node flags (SERVICE_NODE_FLAGS in libs/config;
# NODE_OPTIONS cannot carry the llm-proxy's heap flags).
set -eu
service="${1:-${SERVICE:-}}"
case "$service" in
  api-gateway|controller-manager|workflow-executor|network-router) flags="" ;;
  llm-proxy) flags="--max-semi-space-size=32 --min-semi-space-size=32 --heap-growing-percent=300" ;;
  *)
    echo "start-service: set SERVICE (or pass it) to one of api-gateway, controller-manager, workflow-executor, network-router, llm-proxy; got \"$service\"" >&2
    exit 2
    ;;
esac
export SERVICE="$service"
# shellcheck disable=SC2086 # the flags are separate words
exec node $flags "dist/apps/$service/src/main.js"
