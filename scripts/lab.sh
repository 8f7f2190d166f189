#!/usr/bin/env bash
# Command 1: set up (first time only) and open JupyterLab on notebooks/.
#   CRMLAB_PORT   port to listen on (default 8888)
#   CRMLAB_LANG   en (default): open notebooks/00_start_here.ipynb;
#                 fa: open the first notebook of notebooks/fa/ (Persian)
#   CRMLAB_ROLE   student (default): no nbgrader menus, no "Jupyter news" prompt
#                 (jupyter/student/); instructor: everything installed, nbgrader included
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
lang=${CRMLAB_LANG:-en}
role=${CRMLAB_ROLE:-student}
case $lang in
  en) first=00_start_here.ipynb ;;
  fa)
    shopt -s nullglob
    fa_notebooks=(notebooks/fa/[0-9][0-9]_*.ipynb)
    shopt -u nullglob
    if ((${#fa_notebooks[@]} == 0)); then
      echo "lab: no Persian notebook in notebooks/fa/" >&2
      exit 2
    fi
    first=fa/$(basename "${fa_notebooks[0]}")
    ;;
  *) echo "lab: CRMLAB_LANG must be en or fa; got '$lang'" >&2; exit 2 ;;
esac
case $role in
  student) export JUPYTER_CONFIG_PATH="$PWD/jupyter/student${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}" ;;
  instructor) ;;
  *) echo "lab: CRMLAB_ROLE must be student or instructor; got '$role'" >&2; exit 2 ;;
esac
args=(
  --notebook-dir=notebooks
  --ip=127.0.0.1
  "--port=${CRMLAB_PORT:-8888}"
  "--ServerApp.default_url=/lab/tree/$first"
)
# Jupyter refuses to run as root unless told; only add the flag when we are root.
if [[ $(id -u) -eq 0 ]]; then
  args+=(--allow-root)
fi
# No display (SSH, container, CI): don't try to open a browser.
if [[ -z ${DISPLAY:-} ]]; then
  args+=(--no-browser)
fi

echo "lab: starting JupyterLab ($role, $lang) on http://127.0.0.1:${CRMLAB_PORT:-8888}/ (Ctrl-C to stop)"
exec .venv/bin/jupyter lab "${args[@]}"
