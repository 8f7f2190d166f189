"""The sandboxed notebook runner (``python -m crmlab.exercises._runner IN OUT``).

Started by :func:`crmlab.exercises.sandbox.run_notebook` as the sandbox user. It lowers
its own resource limits (soft = hard, inherited by the kernel it starts), runs the
notebook with nbclient configured exactly as nbgrader's ``Execute`` preprocessor
configures it (per-cell timeout with interrupt, errors kept as outputs so later cells
still run, a timed-out cell gets a ``CellTimeoutError`` output) — importing nbclient
alone instead of all of nbgrader saves seconds per student — and writes the executed
notebook, also when the kernel died part-way (the cells it never ran stay without
outputs; the grader scores those as failed).
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path


def _limit(which: int, value: int) -> None:
    resource.setrlimit(which, (value, value))


def main(argv: list[str]) -> int:
    """Run ``argv = [IN, OUT]``; returns the exit code."""
    if len(argv) != 2:
        sys.stderr.write("usage: python -m crmlab.exercises._runner IN.ipynb OUT.ipynb\n")
        return 2
    src, dst = Path(argv[0]), Path(argv[1])
    limits = json.loads((src.parent / ".limits.json").read_text())
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_AS, limits["memory_bytes"])
    _limit(resource.RLIMIT_CPU, limits["cpu_seconds"])
    _limit(resource.RLIMIT_FSIZE, limits["file_bytes"])
    if limits.get("enforce_nproc"):  # per uid: only meaningful for a dedicated sandbox uid
        _limit(resource.RLIMIT_NPROC, limits["max_processes"])

    import nbformat
    from nbclient import NotebookClient

    def record_error(cell, cell_index, execute_reply) -> None:  # as nbgrader's Execute
        content = execute_reply["content"]
        if content["status"] != "error":
            return
        if not any(o.get("output_type") == "error" and o.get("ename") == content["ename"]
                   for o in cell.outputs):
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=content["ename"], evalue=content["evalue"],
                traceback=content["traceback"] or ["ERROR: the cell failed"]))

    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb, timeout=limits["cell_timeout"], kernel_name="python3", allow_errors=True,
        interrupt_on_timeout=True, raise_on_iopub_timeout=True,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": "", "traceback": [
            f"CellTimeoutError: no reply from the kernel within {limits['cell_timeout']} s"]},
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
        resources={"metadata": {"path": str(src.parent)}}, on_cell_executed=record_error)
    failure = ""
    try:
        client.execute()
    except Exception as exc:  # the kernel died or stopped answering: keep what ran
        failure = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1:] or ''}"
    nbformat.write(nb, dst)
    if failure:
        sys.stderr.write(f"kernel stopped: {failure}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
