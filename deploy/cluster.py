"""`make cluster`: the portal as separate hosts run it, on loopback, from Debian's packages.

    make cluster                          # prints the address; Ctrl-C stops everything
    .venv/bin/python -m deploy.cluster --keep --port 8080

It starts a PostgreSQL 15 cluster of its own (initdb under `runuser -u postgres`), Redis, two
app servers and nginx in front. An app server stands for a host: a gunicorn as gunicorn.conf.py
configures it, with an instance folder of its own, its mail sender (`flask mail send-pending
--loop`, started again if it exits, as systemd would) and its periodic commands (`flask
notifications remind`, `applications expire`, `privacy purge`, every PERIODIC_SECONDS). The
servers share only what separate hosts would: the database, Redis (rate limits), one upload
folder (standing for the shared file system) and the environment's SECRET_KEY. nginx serves
the repository's site file, deploy/nginx/lk-site.conf, as is; the loopback bits (listen port,
upstream addresses, paths) are in a small nginx.conf written around it. Mail goes to an SMTP
sink on loopback that keeps each message as an .eml file in <folder>/mail.

The servers run FLASK_CONFIG=production: Secure cookies with the `__Host-` prefix and a real
SECRET_KEY. TLS is off on loopback, and that is enough: browsers treat http://127.0.0.1 as a
secure context (Chromium keeps and sends Secure and `__Host-` cookies there), so nginx passes
X-Forwarded-Proto as it is (http) and the app behaves as in production except for the HSTS
header, which it sends over HTTPS only. bench's simulated browsers send every cookie they got.

Every client connects from 127.0.0.1 here, so the wrapper lets nginx take the client's address
from the X-Forwarded-For a simulated client sends (realip): each simulated person has its own
address, as on a real network, and per-address limits count per person. It also tells which
app server answered each request (X-Lk-Upstream), for deploy/cluster_check.py.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess  # noqa: S404
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SITE_FILE = ROOT / "deploy" / "nginx" / "lk-site.conf"
#: The periodic commands every app server runs, as its systemd timers would (docs/deploy.md §5).
PERIODIC = (("notifications", "remind"), ("applications", "expire"), ("privacy", "purge"))
PERIODIC_SECONDS = 60
DATABASE = "lk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    """Until `url` answers 200."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
        time.sleep(0.2)


def _as_postgres() -> list[str]:
    """initdb refuses root: run PostgreSQL's tools as its own user (as .ci/run does)."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class Postgres:
    """A PostgreSQL 15 cluster of our own in `folder`, on a loopback port."""

    def __init__(self, folder: Path):
        self.data = folder
        self.port = free_port()
        self.data.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self._tool("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _tool(self, name: str, *args: str) -> None:
        subprocess.run([*_as_postgres(), str(PG_BIN / name), *args], check=True, capture_output=True)  # noqa: S603

    def start(self) -> None:
        self._tool(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )

    def create_database(self) -> None:
        self._tool("createdb", "-h", "127.0.0.1", "-p", str(self.port), DATABASE)

    def stop(self, mode: str = "fast") -> None:
        self._tool("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """As `systemctl restart postgresql` does: a fast shutdown (every connection ended),
        then a start."""
        self._tool(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data / "server.log"),
            "-m",
            "fast",
            "-w",
            "-o",
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off",
            "restart",
        )


class Redis:
    """redis-server on a loopback port, without persistence: a restart forgets the counts."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.proc = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--logfile",
                str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)

    def restart(self) -> None:
        self.stop()
        self.start()


class MailSink:
    """An SMTP server on loopback that keeps every message as <folder>/<n>.eml, in the order
    they came, and hands it to each listener (bench's Mailbox)."""

    def __init__(self, folder: Path):
        from aiosmtpd.controller import Controller

        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.listeners: list = []
        self._lock = threading.Lock()
        self._count = 0
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        data = envelope.original_content or envelope.content
        with self._lock:
            self._count += 1
            path = self.folder / f"{time.time_ns()}-{self._count:06d}.eml"
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
            for listener in self.listeners:
                listener(list(envelope.rcpt_tos), data)
        return "250 Message accepted"

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class Exits:
    """Exit codes of a server's mail sender and periodic commands, for the report."""

    sender: list[int] = field(default_factory=list)
    periodic: list[tuple[str, int]] = field(default_factory=list)


class AppServer:
    """One host: gunicorn, its mail sender and its periodic commands, each in a process group
    of its own so that kill() ends them at once, as a host that dies would."""

    def __init__(self, index: int, folder: Path, env: dict, periodic_seconds: float):
        self.index, self.folder = index, folder
        self.port = free_port()
        (folder / "instance").mkdir(parents=True, exist_ok=True)
        self.env = {
            **env,
            "LK_INSTANCE_DIR": str(folder / "instance"),
            "MAIL_DIR": str(folder / "instance" / "mail"),
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_ACCESS_LOG": str(folder / "access.log"),
            "GUNICORN_ERROR_LOG": str(folder / "error.log"),
            # gunicorn's control socket is per user ($HOME/.gunicorn/gunicorn.ctl): each host its own.
            "GUNICORN_CMD_ARGS": f"--control-socket {folder / 'gunicorn.ctl'}",
        }
        self.periodic_seconds = periodic_seconds
        self.exits = Exits()
        self.gunicorn: subprocess.Popen | None = None
        self.sender: subprocess.Popen | None = None
        self.command: subprocess.Popen | None = None
        self._up = threading.Event()
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._watch = threading.Thread(target=self._keep_sending, daemon=True, name=f"sender-{index}")
        self._periodic = threading.Thread(target=self._run_periodic, daemon=True, name=f"periodic-{index}")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def flask(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """`flask --app wsgi …` as this host runs it."""
        return subprocess.run(  # noqa: S603
            [str(VENV_BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        with open(self.folder / log, "ab") as out:
            return subprocess.Popen(  # noqa: S603
                args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def start(self) -> None:
        with self._lock:
            self.gunicorn = self._spawn(
                [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"], "gunicorn.out"
            )
            self.sender = self._spawn(
                [str(VENV_BIN / "flask"), "--app", "wsgi", "mail", "send-pending", "--loop"], "sender.log"
            )
            self._up.set()
        if not self._watch.is_alive():
            self._watch.start()
            self._periodic.start()

    def wait_ready(self, timeout: float = 90) -> None:
        wait_for(f"http://{self.address}/healthz", timeout)

    def kill(self) -> None:
        """SIGKILL to gunicorn (master and workers), the sender and a periodic command running."""
        with self._lock:
            self._up.clear()
            for proc in (self.gunicorn, self.sender, self.command):
                if proc is not None and proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
            for proc in (self.gunicorn, self.sender, self.command):
                if proc is not None:
                    proc.wait(30)

    def stop(self) -> None:
        self._closing.set()
        with self._lock:
            self._up.clear()
            for proc in (self.command, self.sender, self.gunicorn):
                if proc is not None and proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
            for proc in (self.command, self.sender, self.gunicorn):
                if proc is None:
                    continue
                try:
                    proc.wait(40)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)

    def _keep_sending(self) -> None:
        while not self._closing.wait(1):
            with self._lock:
                if not self._up.is_set() or self.sender is None:
                    continue
                code = self.sender.poll()
                if code is not None:
                    self.exits.sender.append(code)
                    self.sender = self._spawn(
                        [str(VENV_BIN / "flask"), "--app", "wsgi", "mail", "send-pending", "--loop"], "sender.log"
                    )

    def _run_periodic(self) -> None:
        while not self._closing.wait(self.periodic_seconds):
            for command in PERIODIC:
                with self._lock:
                    if not self._up.is_set() or self._closing.is_set():
                        break
                    self.command = self._spawn([str(VENV_BIN / "flask"), "--app", "wsgi", *command], "periodic.log")
                    proc = self.command
                code = proc.wait()
                if code != 0:
                    self.exits.periodic.append((" ".join(command), code))


class Nginx:
    """nginx with the repository's site file, included as is, in a small nginx.conf of ours."""

    def __init__(self, folder: Path, upstreams: list[str], port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / "spool" / sub).mkdir(parents=True, exist_ok=True)
        self.conf = folder / "nginx.conf"
        user = ""
        if os.geteuid() == 0:
            # The workers read app/static: run them as the owner of the checkout.
            owner = pwd.getpwuid(ROOT.stat().st_uid)
            user = f"user {owner.pw_name};"
            for path in [folder / "spool", *(folder / "spool").iterdir()]:
                os.chown(path, owner.pw_uid, owner.pw_gid)
        servers = "\n".join(f"        server {address};" for address in upstreams)
        self.conf.write_text(
            f"""# Written by deploy/cluster.py for one run: the loopback bits around the site file.
{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format upstream '$remote_addr "$request_method $uri" $status $body_bytes_sent $request_time '
                        'upstream=$upstream_addr $upstream_status';
    access_log {folder}/access.log upstream;
    client_body_temp_path {folder}/spool/body;
    proxy_temp_path {folder}/spool/proxy;
    fastcgi_temp_path {folder}/spool/fastcgi;
    uwsgi_temp_path {folder}/spool/uwsgi;
    scgi_temp_path {folder}/spool/scgi;

    # Every client connects from 127.0.0.1 here: the address a simulated client names in
    # X-Forwarded-For stands for its own, as a client's address would on a real network.
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;

    upstream lk_app {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{self.port};
        server_name _;
        root {ROOT / "app"};
        # Which app server answered (bench/browser.py records it).
        add_header X-Lk-Upstream $upstream_addr always;
        include {SITE_FILE};
    }}
}}
""",
            encoding="utf-8",
        )
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        nginx = ["nginx", "-p", str(self.folder), "-e", str(self.folder / "error.log"), "-c", str(self.conf)]
        check = subprocess.run([*nginx, "-t", "-q"], capture_output=True, text=True)  # noqa: S603
        if check.returncode:
            raise RuntimeError(f"nginx refused its configuration: {check.stderr.strip()}")
        self.proc = subprocess.Popen([*nginx, "-g", "daemon off;"], start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"nginx did not start: see {self.folder / 'error.log'}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish the requests in flight
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Cluster:
    """The whole loopback layout; `with Cluster(...) as cluster:` starts and stops it."""

    def __init__(
        self,
        folder: Path | None = None,
        *,
        servers: int = 2,
        workers: int = 2,
        threads: int = 4,
        env: dict | None = None,
        demo: bool = False,
        port: int | None = None,
        periodic_seconds: float = PERIODIC_SECONDS,
        keep: bool = False,
        say=None,
    ):
        self.folder = folder or Path(tempfile.mkdtemp(prefix="lk-cluster-"))
        self.folder.chmod(0o755)  # PostgreSQL (its own user) and nginx's workers look inside
        self.keep, self.demo, self.say = keep, demo, say or (lambda text: None)
        self.upload_dir = self.folder / "shared" / "uploads"
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        self.mail_dir = self.folder / "mail"
        self.postgres = Postgres(self.folder / "postgres")
        self.redis = Redis(self.folder / "redis")
        self.sink = MailSink(self.mail_dir)
        #: What every host's environment file holds (docs/deploy.md §3), the same on each.
        self.env = _host_env(
            {
                "FLASK_CONFIG": "production",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "DATABASE_URL": self.postgres.url,
                "UPLOAD_DIR": str(self.upload_dir),
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(self.sink.port),
                "MAIL_TIMEOUT": "5",
                "MAIL_DISPATCH": "thread",
                "RATELIMIT_STORAGE_URI": self.redis.url,
                "TRUSTED_PROXIES": "1",
                "GUNICORN_WORKERS": str(workers),
                "GUNICORN_THREADS": str(threads),
                **(env or {}),
            }
        )
        self.servers = [
            AppServer(n, self.folder / f"server-{n + 1}", self.env, periodic_seconds) for n in range(servers)
        ]
        self.nginx = Nginx(self.folder / "nginx", [s.address for s in self.servers], port)
        self._started: list = []

    @property
    def url(self) -> str:
        return self.nginx.url

    @property
    def database_url(self) -> str:
        return self.postgres.url

    def start(self) -> Cluster:
        try:
            self.say("PostgreSQL 15…")
            self.postgres.start()
            self._started.append(self.postgres)
            self.postgres.create_database()
            self.say("Redis, почтовый приёмник…")
            self.redis.start()
            self._started.append(self.redis)
            self.sink.start()
            self._started.append(self.sink)
            first = self.servers[0]
            self.say("миграции" + (", демо-данные…" if self.demo else "…"))
            for args in [("db", "upgrade"), *([("demo", "load")] if self.demo else [])]:
                done = first.flask(*args)
                if done.returncode:
                    raise RuntimeError(f"flask {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
            self.say(f"серверы приложения: {', '.join(s.address for s in self.servers)}…")
            for server in self.servers:
                server.start()
                self._started.append(server)
            for server in self.servers:
                server.wait_ready()
            self.nginx.start()
            self._started.append(self.nginx)
            wait_for(f"{self.url}/healthz", 30)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for part in reversed(self._started):
            try:
                part.stop()
            except Exception as exc:  # stop the rest whatever one of them does
                print(f"stopping {type(part).__name__}: {exc}", file=sys.stderr)
        self._started.clear()
        if not self.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _host_env(values: dict) -> dict:
    """This process's environment without what would point a host elsewhere, and `values`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAIL_", "GUNICORN_", "LK_", "RATELIMIT_", "FLASK_"))
        and k not in ("DATABASE_URL", "SECRET_KEY", "UPLOAD_DIR", "TRUSTED_PROXIES")
    }
    env.update(values)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, help="nginx's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the folder (database, logs, mail) afterwards")
    parser.add_argument("--no-demo", action="store_true", help="an empty database instead of the demo data")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    cluster = Cluster(demo=not args.no_demo, port=args.port, keep=args.keep, say=lambda text: print(f"… {text}"))
    with cluster:
        print(f"\nСайт: {cluster.url}")
        print(f"  серверы приложения: {', '.join(s.address for s in cluster.servers)} (за nginx)")
        print(f"  PostgreSQL: {cluster.database_url}")
        print(f"  Redis: {cluster.redis.url}; письма: {cluster.mail_dir}")
        print(f"  журналы: {cluster.folder}")
        if cluster.demo:
            print("  демо-входы: consumer@example.ru, operator@example.ru, admin@example.ru, пароль demo-password")
        print("Ctrl-C — остановить всё.")
        stop.wait()
        print("\nОстанавливаю…")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
