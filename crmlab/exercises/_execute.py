"""Run a sanitised notebook on a sandboxed kernel, with nbclient in the grader's process.

The runner is nbclient, configured as nbgrader's ``Execute`` preprocessor configures it
(a per-cell timeout that interrupts the kernel, errors kept as outputs so later cells
still run, a ``CellTimeoutError`` output for a cell that timed out). It runs in the
grader's process, as another uid than the kernel, and the executed notebook never
touches a file the sandbox can reach. The kernel is started by a jupyter_client
provisioner that forks it from the warm template into the submission's sandbox
(:meth:`crmlab.exercises.sandbox.Sandbox.launch_kernel`) and talks to it over Unix
sockets with a random HMAC key.

A watchdog thread ends the submission when it exceeds its wall-clock or CPU budget;
the runner then sees a dead kernel, keeps what ran, and the cells that never ran score
nothing.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import signal
import threading
import time
from dataclasses import dataclass
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.provisioner_base import KernelProvisionerBase

from .sandbox import Sandbox

__all__ = ["RunOutcome", "execute"]


class _SandboxProvisioner(KernelProvisionerBase):
    """Starts the kernel in a :class:`Sandbox` and signals it through its supervisor."""

    box: Any = None
    identity: Any = None
    files: Any = None

    @property
    def has_process(self) -> bool:
        return self.box is not None and self.box.kernel_pid is not None

    async def poll(self) -> int | None:
        return self.box.kernel_exit_code()

    async def wait(self) -> int | None:
        while self.box.kernel_exit_code() is None:
            await asyncio.sleep(0.05)
        return self.box.exit_code

    async def send_signal(self, signum: int) -> None:
        self.box.signal_kernel(signum)

    async def kill(self, restart: bool = False) -> None:
        self.box.signal_kernel(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        self.box.signal_kernel(signal.SIGTERM)

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.pop("env", None)
        kwargs.pop("extra_arguments", None)
        return {**kwargs, "cmd": ["crmlab-sandbox-kernel"]}

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict[str, Any]:
        await asyncio.get_running_loop().run_in_executor(
            None, self.box.launch_kernel, self.identity, self.files)
        info = self.box.connection(host=True)
        info["key"] = info["key"].encode()
        self.connection_info = info
        return info

    async def cleanup(self, restart: bool = False) -> None:
        return None

    def get_shutdown_wait_time(self, recommended: float = 5.0) -> float:
        return 0.5


class _SandboxKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose only kernel is the sandbox's."""

    def __init__(self, box: Sandbox, identity: dict[str, str], files: dict[str, str],
                 **kwargs: Any) -> None:
        super().__init__(kernel_name="python3", **kwargs)
        self._kernel_spec = KernelSpec(argv=["crmlab-sandbox-kernel"], display_name="Python 3",
                                       language="python", interrupt_mode="signal")
        self.provisioner = _SandboxProvisioner(kernel_id="sandbox", kernel_spec=self._kernel_spec,
                                               parent=self)
        self.provisioner.box = box
        self.provisioner.identity = identity
        self.provisioner.files = files
        self.transport = "ipc"
        self.connection_file = str(box.kernel_dir_host / "client.json")
        self.autorestart = False


#: Outputs a notebook may send before its run is stopped (they live in the grader's memory).
MAX_OUTPUT_BYTES = 16 * 2**20
#: Largest single message the grader accepts from a kernel (ZeroMQ drops bigger ones).
MAX_MESSAGE_BYTES = 32 * 2**20


def _client_class():
    from nbclient import NotebookClient

    class BoundedClient(NotebookClient):
        """nbclient that stops the run once the outputs pass a size budget, and ignores
        widget messages (the grader keeps no widget state)."""

        box: Any = None
        budget: int = MAX_OUTPUT_BYTES

        def output(self, outs, msg, display_id, cell_index):
            self.budget -= len(json.dumps(msg.get("content", {}), default=str))
            if self.budget < 0:
                self.box.stop(f"stopped after printing more than {MAX_OUTPUT_BYTES // 2**20} "
                              "MiB of output")
                return None
            return super().output(outs, msg, display_id, cell_index)

        def handle_comm_msg(self, outs, msg, cell_index) -> None:
            return None

    return BoundedClient


@dataclass
class RunOutcome:
    """What came back from running one notebook."""

    notebook: Any  #: the executed notebook (outputs of the cells that ran)
    reason: str  #: "" if every cell ran; else why the run stopped early
    seconds: float


def _record_error(cell, cell_index, execute_reply) -> None:  # as nbgrader's Execute
    import nbformat

    content = execute_reply["content"]
    if content.get("status") != "error":
        return
    if not any(o.get("output_type") == "error" and o.get("ename") == content.get("ename")
               for o in cell.outputs):
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename=str(content.get("ename", "Error")),
            evalue=str(content.get("evalue", "")),
            traceback=list(content.get("traceback") or ["ERROR: the cell failed"])))


def execute(nb: Any, box: Sandbox, identity: dict[str, str], files: dict[str, str]) -> RunOutcome:
    """Execute ``nb`` (modified in place) on a kernel in ``box``; never raises for what the
    notebook does (a dead or stopped kernel is reported in ``reason``)."""
    import zmq
    import zmq.asyncio

    limits = box.run.limits
    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    km = _SandboxKernelManager(box, identity, files, context=context)
    client = _client_class()(
        nb, km=km, timeout=limits.cell_timeout, kernel_name="python3", allow_errors=True,
        interrupt_on_timeout=True, raise_on_iopub_timeout=True, startup_timeout=120,
        shutdown_kernel="immediate", record_timing=False,
        error_on_timeout={"ename": "CellTimeoutError", "evalue": "", "traceback": [
            f"CellTimeoutError: no reply from the kernel within {limits.cell_timeout} s"]},
        on_cell_executed=_record_error, iopub_timeout=10, store_widget_state=False)
    client.box = box
    done = threading.Event()
    start = time.monotonic()

    def watchdog() -> None:
        while not done.wait(0.25):
            if time.monotonic() - start > limits.total_timeout:
                box.stop(f"stopped after the {limits.total_timeout} s time limit for the "
                         "whole notebook")
                return
            why = box.over_budget()
            if why:
                box.stop(why)
                return

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    reason = ""
    try:
        client.execute()
    except Exception as exc:
        last = str(exc).strip().splitlines()[-1:] or [""]
        reason = f"the kernel stopped ({type(exc).__name__}: {last[0][:160]})"
        box.kernel_exit_code()
        said = [line for line in box.stderr.strip().splitlines() if line.strip()][-1:]
        if said and box.exit_code not in (None, 0, -9):
            reason += f"; it said: {said[0][:200]}"
    finally:
        done.set()
        guard.join()
        atexit.unregister(client._cleanup_kernel)  # the sandbox is ended by its owner
        if client.kc is not None:
            client.kc.stop_channels()
        context.destroy(linger=0)
    if box.stopped:
        reason = box.stopped
    elif reason and box.memory_exceeded():
        reason = (f"the kernel was stopped when the submission used more than "
                  f"{limits.memory_bytes // 2**20} MiB of memory")
    return RunOutcome(nb, reason, time.monotonic() - start)
