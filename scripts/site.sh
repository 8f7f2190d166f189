#!/usr/bin/env bash
# Build the course website from the notebooks' stored outputs (never executed), offline.
#   bash scripts/site.sh [OUTDIR]                 student site (default _build/site/)
#   bash scripts/site.sh --instructor [OUTDIR]    + docs/instructor/ with the answer keys
#                                                 (default _build/site-instructor/)
# OUTDIR/index.html chooses a language; OUTDIR/en/ and OUTDIR/fa/ are the two sites
# (Sphinx with myst-nb and the Furo theme: site/conf.py, staged by site/build.py).
# With PYTHON set (a Python that has the [site] extra), the setup step is skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

instructor=()
out=
for arg in "$@"; do
  case $arg in
    --instructor) instructor=(--instructor) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "site: unknown option $arg (allowed: --instructor, an output folder)" >&2; exit 2 ;;
    *) [[ -z $out ]] || { echo "site: one output folder only (got $out and $arg)" >&2; exit 2; }
       out=$arg ;;
  esac
done
if [[ -z $out ]]; then
  out=_build/site
  ((${#instructor[@]})) && out=_build/site-instructor
fi

if [[ -z ${PYTHON:-} ]]; then
  bash scripts/setup.sh
  PYTHON=.venv/bin/python
fi
"$PYTHON" -c 'import sphinx, myst_nb, furo' 2>/dev/null \
  || { echo "site: Sphinx, myst-nb or Furo is missing in $PYTHON; run: bash scripts/setup.sh" >&2; exit 1; }

export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export MPLBACKEND=Agg
"$PYTHON" site/build.py "${instructor[@]}" "$out"
