#!/usr/bin/env bash
# Runs a command with Node >= 22.12 first on PATH (see ensure-node.sh), so
# `npm run check` and `npm test` also work when npm was started by an older
# Node. On a machine with Node 22 it only runs the command.
#
#   bash scripts/with-node.sh <command> [args...]
set -euo pipefail
# shellcheck source=ensure-node.sh
source "$(dirname "${BASH_SOURCE[0]}")/ensure-node.sh"
exec "$@"
