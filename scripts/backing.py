"""PostgreSQL and Redis under the stack: the machine's own, started if they are down
(`make stack`, `.ci/run`), or a private pair on spare ports (`make loadtest`, whose
faults restart them without harming anyone else on the machine).

Standard library only: `.ci/run` calls it before the virtual envs exist:

    python3 scripts/backing.py --database-url URL --redis-url URL [--install]

starts what is down and, with --install, installs nginx and docker-compose (Debian's
packages) when they are missing; it leaves everything running.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

Say = Callable[[str], None]
# Debian's packages the tests of `make stack`, compose and the staff console's
# browser tests need, and the command that shows each is there.
TOOLS = {
    "chromium": lambda: shutil.which("chromium") is not None,
    "nginx": lambda: shutil.which("nginx") is not None,
    "docker-compose": lambda: (
        shutil.which("docker-compose") is not None or _succeeds(["docker", "compose", "version"])
    ),
}


def say(message: str) -> None:
    """One line on the console."""
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local(url: str) -> bool:
    """Whether a database or Redis URL points at this machine."""
    return (urlparse(url).hostname or "127.0.0.1") in {"127.0.0.1", "localhost", "::1"}


def _succeeds(command: list[str], env: dict[str, str] | None = None) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, env=env, check=False)
    except OSError:  # the tool is not installed
        return False
    return done.returncode == 0


def pg_tool(tool: str) -> str:
    """A PostgreSQL server tool (Debian keeps them out of PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"))
    return str(found[-1]) if found else tool


def redis_up(port: int) -> bool:
    """Whether a Redis server answers on loopback `port`."""
    return _succeeds(["redis-cli", "-h", "127.0.0.1", "-p", str(port), "ping"])


def redis_command(port: int, *options: str) -> list[str]:
    """redis-server on loopback `port`, without snapshots, with `options`."""
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", *options]


def until(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Poll `condition` until it holds; RuntimeError after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.2)


def ensure(database_url: str, redis_url: str, tell: Say = say) -> list[list[str]]:
    """Start the machine's PostgreSQL and Redis if they are down (when the URLs point
    here); the commands that stop what was started."""
    stops = []
    database = urlparse(database_url)
    if database.scheme.startswith("postgresql") and local(database_url):
        ready = ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(database.port or 5432)]
        if not _succeeds(ready) and os.path.isdir("/etc/postgresql"):
            version = sorted(os.listdir("/etc/postgresql"))[-1]
            cluster = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
            if _succeeds([*cluster, "start"]):
                stops.append([*cluster, "stop"])
                tell(f"started PostgreSQL {version}")
            else:
                tell(f"could not start PostgreSQL {version}")
    if redis_url and local(redis_url):
        port = urlparse(redis_url).port or 6379
        if not redis_up(port):
            if _succeeds(redis_command(port, "--daemonize", "yes", "--appendonly", "no")):
                stops.append(
                    ["redis-cli", "-h", "127.0.0.1", "-p", str(port), "shutdown", "nosave"]
                )
                tell(f"started Redis on port {port}")
            else:
                tell(f"could not start Redis on port {port}")
    return stops


def install_missing(tell: Say = say) -> None:
    """apt-get install nginx, docker-compose and chromium when missing (the tests that
    need nginx or compose skip if that fails)."""
    missing = [name for name, present in TOOLS.items() if not present()]
    if not missing:
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", *missing]
    if not (_succeeds(["apt-get", "update", "-qq"]) and _succeeds(install, env)):
        tell(f"could not install {' '.join(missing)}: the tests that need it will skip")


@dataclass
class PrivateBacking:
    """A PostgreSQL cluster (initdb'd into `folder`) and a Redis server of one run's
    own, on spare ports; Redis keeps an append-only file as in production, so a
    restart keeps the trackers, locks and dedup keys."""

    folder: Path
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    redis: subprocess.Popen[bytes] | None = None

    def _as_postgres(self, *command: str) -> None:
        """Run a PostgreSQL tool (as the postgres user when we are root: initdb refuses root)."""
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True)

    def _pg_ctl(self, action: str) -> None:
        options = f"-p {self.pg_port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = self.folder / "pg.log"
        args = f"-D {self.folder / 'pg'} -w -m fast -l {log}".split()
        self._as_postgres(pg_tool("pg_ctl"), *args, "-o", options, action)

    def start(self) -> None:
        """initdb, start both, create the database `mps`."""
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        initdb = f"-D {self.folder / 'pg'} -U postgres --auth=trust --no-sync"
        self._as_postgres(pg_tool("initdb"), *initdb.split())
        self._pg_ctl("start")
        self._as_postgres(pg_tool("createdb"), *self.client(), "mps")
        self.start_redis()

    def start_redis(self) -> None:
        """redis-server in the foreground, until it answers."""
        options = ("--dir", str(self.folder), "--appendonly", "yes")
        self.redis = subprocess.Popen(
            redis_command(self.redis_port, *options),
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        until(lambda: redis_up(self.redis_port), 30, "Redis")

    def restart_postgres(self) -> None:
        self._pg_ctl("restart")

    def restart_redis(self) -> None:
        assert self.redis is not None
        self.redis.terminate()
        self.redis.wait(timeout=30)
        self.start_redis()

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=30)
        try:
            self._pg_ctl("stop")
        except subprocess.CalledProcessError:
            pass

    def client(self) -> list[str]:
        """Where a PostgreSQL client finds the cluster."""
        return f"-h 127.0.0.1 -p {self.pg_port} -U postgres".split()

    def sql(self, statement: str) -> list[list[str]]:
        """Rows of a query on `mps`, as text."""
        done = subprocess.run(
            ["psql", *self.client(), "-d", "mps", "-At", "-F", "\t", "-c", statement],
            check=True,
            capture_output=True,
            text=True,
        )
        return [line.split("\t") for line in done.stdout.splitlines()]

    @property
    def database_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.pg_port}/mps"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"


def main(argv: list[str] | None = None) -> int:
    """Start the machine's PostgreSQL and Redis if down; install the tools if asked."""
    cli = argparse.ArgumentParser(
        description="the machine's PostgreSQL and Redis, started if down"
    )
    cli.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    cli.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    cli.add_argument("--install", action="store_true", help="install nginx, docker-compose")
    args = cli.parse_args(argv)
    ensure(args.database_url, args.redis_url)
    if args.install:
        install_missing()
    return 0


if __name__ == "__main__":
    sys.exit(main())
