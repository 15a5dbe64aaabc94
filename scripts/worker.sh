#!/usr/bin/env bash
# Run one background task worker for the configured backend (DJANGO_TASKS_BACKEND).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
case "${DJANGO_TASKS_BACKEND:-database}" in
    database) exec "$PY" manage.py db_worker --queue-name '*' "$@" ;;
    rq) exec "$PY" manage.py rqworker --job-class django_tasks_rq.Job default "$@" ;;
    immediate) echo "DJANGO_TASKS_BACKEND=immediate runs tasks in the web process: no worker needed." ;;
    *) echo "Unknown DJANGO_TASKS_BACKEND: ${DJANGO_TASKS_BACKEND}" >&2; exit 2 ;;
esac
