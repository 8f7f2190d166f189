#!/usr/bin/env bash
# Command 1: set up (first time only) and open JupyterLab on notebooks/.
#   CRMLAB_PORT   port to listen on (default 8888)
# JupyterLab keeps its token: open the URL with ?token=... that it prints.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

# Check the shipped dataset; a missing CLI or dataset is worth a warning, not a stop.
if [[ -x .venv/bin/crmlab ]]; then
  if out=$(.venv/bin/crmlab datasets verify classroom 2>&1); then
    printf 'lab: dataset classroom: %s\n' "${out:-ok}"
  else
    printf 'lab: warning: dataset check failed, continuing:\n%s\n' "$out" >&2
  fi
else
  echo "lab: warning: .venv/bin/crmlab not found; skipping the dataset check" >&2
fi

mkdir -p notebooks
args=(
  --notebook-dir=notebooks
  --ip=127.0.0.1
  "--port=${CRMLAB_PORT:-8888}"
)
# Jupyter refuses to run as root unless told; only add the flag when we are root.
if [[ $(id -u) -eq 0 ]]; then
  args+=(--allow-root)
fi
# No display (SSH, container, CI): don't try to open a browser.
if [[ -z ${DISPLAY:-} ]]; then
  args+=(--no-browser)
fi

echo "lab: starting JupyterLab on http://127.0.0.1:${CRMLAB_PORT:-8888}/ (Ctrl-C to stop)"
exec .venv/bin/jupyter lab "${args[@]}"
