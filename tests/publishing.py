"""Real servers for the publish and hand-over tests, started here, on 127.0.0.1, stopped
after: WebDAV (wsgidav under cheroot, in-process or as its own command) and S3 (moto's
server mode)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

WSGI = Callable[..., Any]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(port: int, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def wsgidav_command(root: Path) -> Iterator[str]:
    """``wsgidav --host 127.0.0.1 --port N --root ROOT --auth anonymous --no-config``;
    yields ``127.0.0.1:N``."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "wsgidav"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--root",
        str(root),
        "--auth",
        "anonymous",
        "--no-config",
        "-q",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def dav_server(
    root: Path, users: dict[str, str] | None = None, wrap: Callable[[WSGI], WSGI] | None = None
) -> Iterator[str]:
    """wsgidav in this process under cheroot (so a test can wrap it to fail on purpose);
    with ``users``, HTTP basic authentication. Yields ``127.0.0.1:N``."""
    from cheroot import wsgi
    from wsgidav.wsgidav_app import WsgiDAVApp

    config: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "provider_mapping": {"/": str(root)},
        "verbose": 0,
        "logging": {"enable": False},
    }
    if users:
        config["simple_dc"] = {
            "user_mapping": {"*": {u: {"password": p} for u, p in users.items()}}
        }
        config["http_authenticator"] = {
            "accept_basic": True,
            "accept_digest": False,
            "default_to_digest": False,
        }
    else:
        config["simple_dc"] = {"user_mapping": {"*": True}}
    app: WSGI = WsgiDAVApp(config)
    server = wsgi.Server(("127.0.0.1", 0), wrap(app) if wrap else app)
    server.prepare()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.bind_addr[1]}"
    finally:
        server.stop()
        thread.join(timeout=10)


@contextmanager
def s3_server(bucket: str) -> Iterator[dict[str, str]]:
    """moto's S3 server with ``bucket`` readable by anyone (a bucket policy, as a clinic
    would set for a public page); yields the environment a publish needs."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "clinic",
        "AWS_SECRET_ACCESS_KEY": "clinic-secret",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="clinic",
        aws_secret_access_key="clinic-secret",
    )
    client.create_bucket(Bucket=bucket)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    try:
        yield env
    finally:
        server.stop()


def failing_put(after: int, status: str, read_half: bool = False) -> Callable[[WSGI], WSGI]:
    """Wraps a WSGI app so that every PUT after the first ``after`` fails with ``status``
    (after reading half the body when ``read_half``: a server failing midway)."""

    def wrap(app: WSGI) -> WSGI:
        puts = 0

        def failing(environ: dict[str, Any], start_response: Any) -> Any:
            nonlocal puts
            if environ["REQUEST_METHOD"] == "PUT":
                puts += 1
                if puts > after:
                    if read_half:
                        length = int(environ.get("CONTENT_LENGTH") or 0)
                        environ["wsgi.input"].read(length // 2)
                    start_response(
                        status, [("Content-Type", "text/plain"), ("Connection", "close")]
                    )
                    return [status.encode()]
            return app(environ, start_response)

        return failing

    return wrap


def recording(log: list[tuple[str, str]]) -> Callable[[WSGI], WSGI]:
    """Wraps a WSGI app to record each (method, path, destination) it is asked."""

    def wrap(app: WSGI) -> WSGI:
        def recorded(environ: dict[str, Any], start_response: Any) -> Any:
            where = environ.get("HTTP_DESTINATION", "")
            log.append((environ["REQUEST_METHOD"], environ["PATH_INFO"] + " " + where))
            return app(environ, start_response)

        return recorded

    return wrap


@contextmanager
def sftp_server(root: Path, username: str, password: str) -> Iterator[dict[str, str]]:
    """An SFTP server (asyncssh, in a thread) chrooted to ``root`` with one password user;
    yields ``port`` and the ``known_hosts`` file that trusts its fresh host key."""
    import asyncio

    import asyncssh

    connections: list[Any] = []

    class Server(asyncssh.SSHServer):
        def connection_made(self, conn: Any) -> None:
            connections.append(conn)

        def begin_auth(self, _username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, user: str, given: str) -> bool:
            return (user, given) == (username, password)

    key = asyncssh.generate_private_key("ssh-ed25519")
    loop = asyncio.new_event_loop()
    started = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        state["server"] = await asyncssh.listen(
            "127.0.0.1", 0, server_factory=Server, server_host_keys=[key],
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root).encode()),
        )  # fmt: skip
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(main(), loop).result(timeout=20)
    started.wait(20)
    port = state["server"].sockets[0].getsockname()[1]
    known = root.parent / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {key.export_public_key().decode()}", encoding="utf-8")
    try:
        yield {"port": str(port), "known_hosts": str(known)}
    finally:

        async def close() -> None:
            state["server"].close()
            await state["server"].wait_closed()
            for conn in connections:
                conn.close()
                await conn.wait_closed()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
