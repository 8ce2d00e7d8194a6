"""A TLS reverse proxy speaking HTTP/2 in front of a bench stack's ``ansinh serve``, as in
production (docs/operations.md, "Reverse proxy": it terminates TLS, HTTP/2 is fine).

A phone reaches An Sinh over HTTPS, so over HTTP/2 wherever the proxy offers it (every current
one does): one connection carries every request at once. Loading the app straight from
gunicorn over plain HTTP/1.1 instead lets the browser open six connections to the host and
queues the rest, one round trip after another. The app benchmark measures through this proxy
(the conditions a person meets) and reports the direct figures beside them.

Debian's nginx (``apt-get install nginx-light``), with a throw-away self-signed certificate
made here with ``cryptography``; Chromium is told to accept that one key only
(``--ignore-certificate-errors-spki-list``), so the page is a secure context with a service
worker as on a real certificate.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from harness import LOOPBACK, BenchError, free_port, tail

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

CONFIG = """
worker_processes 1;
user root;
daemon off;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 30m;
    server {{
        listen {host}:{port} ssl http2;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        location / {{
            proxy_pass http://{host}:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
    }}
}}
"""


def available() -> bool:
    return Path(NGINX).exists()


class TlsProxy:
    """nginx on a free loopback port, forwarding to ``upstream`` (``http://host:port``)."""

    def __init__(self, upstream_port: int, directory: Path) -> None:
        self.upstream_port = upstream_port
        self.dir = directory
        self.port = free_port()
        self.base_url = f"https://{LOOPBACK}:{self.port}"
        self.spki = ""
        self.popen: subprocess.Popen[bytes] | None = None

    def _certificate(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "An Sinh bench")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]
                ),
                critical=False,
            )
            .sign(key, hashes.SHA256())
        )
        (self.dir / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (self.dir / "key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.spki = base64.b64encode(hashlib.sha256(spki).digest()).decode()

    def chromium_args(self) -> list[str]:
        """Chromium's flag accepting this proxy's certificate (and no other)."""
        return [f"--ignore-certificate-errors-spki-list={self.spki}"]

    def __enter__(self) -> Self:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._certificate()
        config = self.dir / "nginx.conf"
        config.write_text(
            CONFIG.format(dir=self.dir, host=LOOPBACK, port=self.port, upstream=self.upstream_port)
        )
        log = (self.dir / "nginx.out").open("ab")
        self.popen = subprocess.Popen(  # noqa: S603 - a fixed command line
            [NGINX, "-c", str(config), "-p", str(self.dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while not (self.dir / "nginx.pid").exists():
            if self.popen.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"nginx did not start:\n{tail(self.dir / 'error.log')}")
            time.sleep(0.05)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
