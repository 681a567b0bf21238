"""A throwaway PostgreSQL server for the store's tests, from Debian's `postgresql` package.

Started in a temporary folder, listening only on a Unix socket there (no TCP port), with
trust authentication, and stopped afterwards. PostgreSQL refuses to run as root, so as root
(CI, this sandbox) it runs as `nobody` through `runuser`. Skipped when PostgreSQL is not
installed, unless SOCIALRX_REQUIRE_POSTGRES=1 (CI, which installs it) makes that a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

START_SECONDS = 60


def _binaries() -> Path | None:
    """Debian keeps the server's programs out of PATH, in /usr/lib/postgresql/VERSION/bin."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


@contextmanager
def postgres_url() -> Iterator[str]:
    """A running server's SQLAlchemy URL (psycopg 3, over the Unix socket)."""
    bindir = _binaries()
    if bindir is None:
        if os.environ.get("SOCIALRX_REQUIRE_POSTGRES") == "1":
            pytest.fail("PostgreSQL is not installed (Debian: apt-get install -y postgresql)")
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install -y postgresql)")
    root = Path(tempfile.mkdtemp(prefix="socialrx-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse root
        shutil.chown(root, "nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    data, log = root / "data", root / "server.log"

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True,
                              timeout=START_SECONDS, check=False)  # fmt: skip
        if done.returncode:
            details = done.stdout + done.stderr
            if log.exists():
                details += log.read_text(errors="replace")[-2000:]
            pytest.fail(f"{command[0]} failed: {details[-3000:]}")

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "socialrx", "--auth=trust",
            "-E", "UTF8", "--no-sync")  # fmt: skip
        options = f"-k {root} -c listen_addresses='' -c fsync=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
            "-w", "-t", str(START_SECONDS), "start")  # fmt: skip
        try:
            yield f"postgresql+psycopg://socialrx@/postgres?host={root}"
        finally:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
