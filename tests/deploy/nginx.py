"""The shipped nginx site (deploy/nginx/lms.conf) run by a test: its own small main config, as the current user.

Only what must differ on a test machine is changed, by `site_for_test`; everything else (maps,
sticky routing, headers, WebSocket, /static/ rules) is the file operators copy.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
SHIPPED_SITE = REPO / "deploy" / "nginx" / "lms.conf"
# Lines of the shipped site that `site_for_test` replaces: if one changes, the test must change too.
LISTEN_HTTP = "    listen 80;"
LISTEN_HTTP_V6 = "    listen [::]:80;"
LISTEN_HTTPS = "    listen 443 ssl;"
LISTEN_HTTPS_V6 = "    listen [::]:443 ssl;"
UPSTREAM_SERVERS = ("    server 127.0.0.1:8001 max_fails=0;", "    server 127.0.0.1:8002 max_fails=0;")
STATIC_ROOT = "        alias /opt/lms/lms/static/;"
CERTIFICATE = "    ssl_certificate /etc/ssl/certs/ssl-cert-snakeoil.pem;"
CERTIFICATE_KEY = "    ssl_certificate_key /etc/ssl/private/ssl-cert-snakeoil.key;"
SUBSTITUTED = (
    LISTEN_HTTP,
    LISTEN_HTTP_V6,
    LISTEN_HTTPS,
    LISTEN_HTTPS_V6,
    *UPSTREAM_SERVERS,
    STATIC_ROOT,
    CERTIFICATE,
    CERTIFICATE_KEY,
)


def nginx_binary() -> str | None:
    """nginx's program (Debian puts it in /usr/sbin, which a user's PATH may not have)."""
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def site_for_test(
    shipped: str,
    *,
    http_port: int,
    https_port: int,
    app_ports: list[int],
    static_root: Path,
    certificate: Path,
    key: Path,
) -> str:
    """The shipped site with only what must differ on a test machine changed.

    - `listen 80` and `listen 443 ssl` → 127.0.0.1 and free ports (the IPv6 `listen [::]` lines
      are dropped: a test machine may have no IPv6);
    - the upstream's two `server 127.0.0.1:8001/8002 max_fails=0` lines → the test's app processes' ports;
    - the /static/ `alias /opt/lms/lms/static/` → this checkout's lms/static/;
    - the snakeoil certificate and key → a self-signed pair made by the test.
    """
    replacements = {
        LISTEN_HTTP: f"    listen 127.0.0.1:{http_port};",
        LISTEN_HTTP_V6: "",
        LISTEN_HTTPS: f"    listen 127.0.0.1:{https_port} ssl;",
        LISTEN_HTTPS_V6: "",
        UPSTREAM_SERVERS[0]: "\n".join(f"    server 127.0.0.1:{port} max_fails=0;" for port in app_ports),
        UPSTREAM_SERVERS[1]: "",
        STATIC_ROOT: f"        alias {static_root}/;",
        CERTIFICATE: f"    ssl_certificate {certificate};",
        CERTIFICATE_KEY: f"    ssl_certificate_key {key};",
    }
    lines = shipped.splitlines()
    missing = [line for line in replacements if line not in lines]
    assert not missing, f"deploy/nginx/lms.conf no longer has these lines the test replaces: {missing}"
    return "\n".join(replacements.get(line, line) for line in lines) + "\n"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (the client does not verify it)."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    return certificate, key


MAIN_CONFIG = """\
daemon off;
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log info;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    # Which process served each request: the route it was hashed on, the upstream(s) tried.
    log_format topology '$request_id $lms_route "$upstream_addr" $status "$request"';
    access_log {folder}/access.log topology;
    include {folder}/lms.conf;
}}
"""


@dataclass
class LogLine:
    request_id: str
    route: str
    upstreams: list[str]  # every server tried, in order: the last one answered
    status: int
    request: str

    @property
    def answered_by(self) -> str:
        return self.upstreams[-1]


class Nginx:
    """nginx with the test's main config, in the foreground, stopped by PID."""

    def __init__(self, folder: Path, site: str):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "lms.conf").write_text(site, encoding="utf-8")
        # As root, nginx would hand its workers to `nobody`, who cannot read the test's folders.
        user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(MAIN_CONFIG.format(folder=folder, user=user), encoding="utf-8")
        self.binary = nginx_binary()
        self.process: subprocess.Popen | None = None

    def check(self) -> subprocess.CompletedProcess:
        return self.run("-t")

    def run(self, *args: str) -> subprocess.CompletedProcess:
        command = [self.binary, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-e", "stderr", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=30)

    def start(self, base: str) -> None:
        command = [self.binary, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"), "-e", "stderr"]
        self._stderr = (self.folder / "stderr.log").open("wb")
        self.process = subprocess.Popen(command, stdout=self._stderr, stderr=self._stderr)
        http = requests.Session()
        http.verify, http.trust_env = False, False  # the test's own certificate
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.process.poll() is None:
            with contextlib.suppress(requests.RequestException):
                if http.get(f"{base}/healthz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"nginx did not answer at {base}: {(self.folder / 'stderr.log').read_text()}")

    def log(self) -> list[LogLine]:
        lines = []
        for raw in (self.folder / "access.log").read_text(encoding="utf-8").splitlines():
            request_id, route, rest = raw.split(" ", 2)
            upstreams, rest = rest[1:].split('" ', 1)
            status, request = rest.split(" ", 1)
            lines.append(LogLine(request_id, route, upstreams.split(", "), int(status), request.strip('"')))
        return lines

    def line_of(self, request_id: str) -> LogLine:
        """The access-log line of one request (its id is what the app answers in X-Request-Id)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            found = [line for line in self.log() if line.request_id == request_id]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no access-log line for request {request_id}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._stderr.close()
