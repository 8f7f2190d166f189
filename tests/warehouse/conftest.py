"""A real PostgreSQL server for the warehouse tests, started from Debian's package.

The server runs from a temporary folder on a free loopback port and is always stopped
(and its folder deleted) when the session ends. PostgreSQL refuses to run as root, so
as root the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("CRMLAB_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a fresh database ``crm`` on a PostgreSQL server started for this session."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL server binaries not found in {PG_BIN} (Debian package "
                    "postgresql; set CRMLAB_PG_BIN to their folder)")
    root = Path(tempfile.mkdtemp(prefix="crmlab-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")
    data, sock = root / "data", root / "sock"
    user = "postgres" if os.geteuid() == 0 else None
    port = _free_port()
    started = False

    def run(*args: str, timeout: float = 120) -> None:
        subprocess.run(_as_server_user(list(args)), check=True, capture_output=True,
                       timeout=timeout, cwd=root)

    try:
        sock.mkdir()
        if user:
            shutil.chown(sock, user="postgres", group="postgres")
        run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "crmlab", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8")
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
            "-t", "60", "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off", "start")
        started = True
        run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "crmlab",
            "crm")
        yield f"postgresql://crmlab@127.0.0.1:{port}/crm"
    finally:
        if started:
            subprocess.run(_as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m",
                                            "fast", "-w", "stop"]),
                           capture_output=True, timeout=120, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def make_pg_database(postgres_url):
    """Factory: ``make_pg_database(name)`` creates a fresh database, returns its URL."""
    import psycopg

    def make(name: str) -> str:
        with psycopg.connect(postgres_url,
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return postgres_url.rsplit("/", 1)[0] + "/" + name

    return make


@pytest.fixture(scope="session")
def warehouse_world():
    """The tiny world the warehouse tests load (seed 11)."""
    import crmlab as crm

    return crm.make_world("tiny", seed=11)


@pytest.fixture(scope="session")
def duckdb_warehouse(tmp_path_factory, warehouse_world):
    """URL of a DuckDB warehouse of ``warehouse_world`` (no truth)."""
    url = f"duckdb:///{tmp_path_factory.mktemp('wh')}/crm.duckdb"
    warehouse_world.to_warehouse(url)
    return url


@pytest.fixture(scope="session")
def postgres_warehouse(make_pg_database, warehouse_world):
    """URL of a PostgreSQL warehouse of ``warehouse_world`` (no truth)."""
    url = make_pg_database("star")
    warehouse_world.to_warehouse(url)
    return url


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse(request):
    """Each backend's warehouse URL in turn."""
    return request.getfixturevalue(f"{request.param}_warehouse".replace("postgresql",
                                                                        "postgres"))
