#!/usr/bin/env bash
# Create or update the project virtual environment in .venv (idempotent).
#   - Debian packages from scripts/apt-packages.txt (only if missing; needs root)
#   - .venv via `python3 -m venv` (Python >= 3.11)
#   - pinned dependencies from requirements.lock, crmlab itself editable (--no-deps)
#   - Jupyter kernel "crmlab" ("Python (crmlab)") inside the venv (--sys-prefix)
# A stamp in .venv records the sha256 of requirements.lock + pyproject.toml; while
# it matches, pip is skipped and a re-run takes a second or two.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.crmlab-setup-stamp
KERNEL_NAME=crmlab
KERNEL_DISPLAY="Python (crmlab)"
export PIP_NO_INPUT=1

log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------
apt_list=scripts/apt-packages.txt
if [[ -f $apt_list ]]; then
  missing=()
  while IFS= read -r line || [[ -n $line ]]; do
    pkg=${line%%#*}
    pkg=${pkg//[[:space:]]/}
    [[ -z $pkg ]] && continue
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done < "$apt_list"
  if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
      log "installing Debian packages: ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
      die "missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})"
    fi
  fi
fi

# --- virtual environment ---------------------------------------------------
command -v "$PYTHON" >/dev/null || die "$PYTHON not found; install Python 3.11 or newer"
py_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
if [[ ! -x $VENV/bin/python ]]; then
  py_ok "$PYTHON" || die "Python >= 3.11 required, $PYTHON is $("$PYTHON" -V 2>&1)"
  log "creating $VENV with $("$PYTHON" -V 2>&1)"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
elif ! py_ok "$VENV/bin/python"; then
  die "$VENV uses $("$VENV/bin/python" -V 2>&1) but >= 3.11 is required; remove $VENV and re-run"
fi

# --- Python packages (skipped while the stamp matches) ----------------------
want=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
have=$(cat "$STAMP" 2>/dev/null || true)
if [[ $want != "$have" ]]; then
  log "installing pinned dependencies from requirements.lock"
  "$VENV/bin/python" -m pip install --quiet -r requirements.lock
  log "installing crmlab (editable)"
  "$VENV/bin/python" -m pip install --quiet --no-deps -e .
  rm -f "$STAMP"   # kernel is (re)registered below, then the stamp is written
else
  log "dependencies up to date (requirements.lock and pyproject.toml unchanged)"
fi

# --- Jupyter kernel ----------------------------------------------------------
kernel_json=$VENV/share/jupyter/kernels/$KERNEL_NAME/kernel.json
if [[ ! -f $STAMP || ! -f $kernel_json ]]; then
  log "registering Jupyter kernel '$KERNEL_NAME' ($KERNEL_DISPLAY)"
  "$VENV/bin/python" -m ipykernel install --sys-prefix \
    --name "$KERNEL_NAME" --display-name "$KERNEL_DISPLAY" >/dev/null
fi

# jupysql's optional front-end plugin is built for an older JupyterLab and is flagged
# incompatible; the %sql magics do not need it, so keep it from loading.
if [[ ! -f $STAMP ]] && "$VENV/bin/jupyter" labextension list 2>&1 | grep -q jupysql-plugin; then
  "$VENV/bin/jupyter" labextension disable --level=sys_prefix jupysql-plugin >/dev/null 2>&1 \
    || log "could not disable jupysql-plugin (harmless)"
fi

printf '%s\n' "$want" > "$STAMP"
log "ready: $VENV ($("$VENV/bin/python" -V 2>&1)), kernel '$KERNEL_NAME'"
