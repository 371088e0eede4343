"""(d) Writes under concurrency, `python -m bench mixed` (SPEC §3): 16 simulated people for
60 s against gunicorn as configured, on SQLite and, when DATABASE_URL names a PostgreSQL
server, on a fresh database of its own there.

The people (bench/mixed_users.py) register and read their password from the mail, log in,
submit applications with files and open the card at once, answer requests for data, file
appeals, mark notifications read; staff move applications along and answer appeals. An
import of 20,000 outages runs in the middle (`flask outages import`, a process of its own);
the mail goes to a real SMTP server on loopback from both senders at once (the workers'
dispatch after the commit and `flask mail send-pending --loop`). Afterwards the database,
the SMTP sink and UPLOAD_DIR are reconciled (bench/mixed_check.py)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess  # noqa: S404
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.browser import Recorder
from bench.instance import instance_env, make_instance
from bench.mixed_check import Check, reconcile
from bench.mixed_users import HOUSE, SETTLEMENT, STREET, Ledger, Mailbox, Run, simulate
from bench.report import Report

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", 60))
USERS = 16
STAFF = 2
IMPORT_ROWS = 20_000
#: How long the senders get to empty the outbox after the load.
DRAIN_SECONDS = 60
READ_BUDGET_MS, WRITE_BUDGET_MS = 100, 300
#: The district of the imported file: its rows are found by it afterwards.
IMPORT_DISTRICT = "Бенч-РЭС"


@dataclass
class Outcome:
    recorder: Recorder
    ledger: Ledger
    checks: list[Check]
    import_seconds: float | None
    import_error: str
    import_rows: int
    drain_seconds: float
    #: (count, what) of the errors in gunicorn's and the sender's logs.
    log_errors: list[tuple[int, str]] = field(default_factory=list)
    mail_left: dict[str, int] = field(default_factory=dict)
    #: Exit codes of the periodic mail sender, which is started again each time.
    sender_exits: list[int] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        """What makes the run fail whatever the machine's speed: answers 5xx, writes lost,
        answers nobody should get, the import refused, the mail sender dying."""
        out = [f"5xx: {kind}: {text}" for kind, text in self.recorder.server_errors]
        out += [f"unexpected: {kind}: {text}" for kind, text in self.recorder.problems]
        out += [f"lost: {line}" for line in self.lost]
        if self.import_error:
            out.append(f"import: {self.import_error}")
        out += [f"mail sender exited with code {code}" for code in self.sender_exits]
        return out

    @property
    def server_errors(self) -> int:
        return sum(1 for s in self.recorder.samples if s.status >= 500)

    @property
    def lost(self) -> list[str]:
        return [f"{c.label}: {p}" for c in self.checks for p in c.problems]

    def p95(self) -> dict[str, tuple[bool, int, float]]:
        """kind → (write, requests, p95 ms)."""
        by_kind: dict[str, list[float]] = defaultdict(list)
        writes: dict[str, bool] = {}
        for s in self.recorder.samples:
            by_kind[s.kind].append(s.ms)
            writes[s.kind] = s.write
        out = {}
        for kind, values in by_kind.items():
            values.sort()
            out[kind] = (writes[kind], len(values), values[min(len(values) - 1, int(len(values) * 0.95))])
        return out


# --- the pieces --------------------------------------------------------------------------------


class _Sink:
    """aiosmtpd on loopback; every message goes to the Mailbox."""

    def __init__(self, mailbox: Mailbox):
        from aiosmtpd.controller import Controller

        self.mailbox = mailbox
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.mailbox.add(list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        return "250 Message accepted"

    def stop(self) -> None:
        self.controller.stop()


def _free_port() -> int:
    from bench.load import _free_port as free

    return free()


def outage_csv(rows: int, district: str = IMPORT_DISTRICT) -> str:
    """A file of SPEC §4.4: `rows` planned outages over the next weeks, three of them at the
    simulated consumers' house (so they are told), the rest across 150 villages."""
    start = (datetime.now() + timedelta(days=5)).replace(minute=0, second=0, microsecond=0)
    lines = ["district,settlement,street,houses,starts_at,ends_at,reason"]
    for n in range(rows):
        if n < 3:
            place = (SETTLEMENT, STREET, HOUSE)
        else:
            place = (f"с. Бенч-{n % 150}", f"ул. Улица-{n // 150 % 40}", f"{n // 6000 + 1}-{n // 6000 + 15}")
        begins = start + timedelta(hours=n % (24 * 40), days=n // (24 * 40 * 150))
        lines.append(
            f"{district},{place[0]},{place[1]},{place[2]},{begins:%Y-%m-%d %H:%M},"
            f"{begins + timedelta(hours=4):%Y-%m-%d %H:%M},Ремонт линии"
        )
    return "\n".join(lines) + "\n"


def prepare(env: dict, migrate: bool = True) -> None:
    """Migrate the empty database (unless it is already) and load the demo data: its staff,
    tariff decision, applications and appeals."""
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    for args in ([["db", "upgrade"]] if migrate else []) + [["demo", "load"]]:
        subprocess.run([*flask, *args], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603


def _pending_mail(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT status, count(*) FROM outbox_mail WHERE status <> 'sent' GROUP BY status")
            )
            left = {status: count for status, count in rows}
            # Stored as UTC: naive on SQLite (app.db.UTCDateTime), with its zone on PostgreSQL.
            at = datetime.now(UTC)
            sqlite = conn.dialect.name == "sqlite"
            due = conn.execute(
                sa.text(
                    "SELECT count(*) FROM outbox_mail WHERE status = 'pending' AND next_attempt_at <= :at"
                ).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=not sqlite))),
                {"at": at.replace(tzinfo=None) if sqlite else at},
            ).scalar()
            return {**left, "due": due}
    finally:
        engine.dispose()


#: How long a claimed mail may stay `sending` before the drain stops waiting for it: longer
#: than an SMTP conversation may take (MAIL_TIMEOUT, 10 s), or a delivery still in flight under
#: load would be cut off when the servers stop, and then reported as lost.
STUCK_SECONDS = 20


def drain(database_url: str, seconds: float) -> dict[str, int]:
    """Wait for the senders to empty the outbox; what is left when the time is up, or when
    only mail nobody will touch again is left (claimed and never finished: `sending` until
    the stale-claim release, minutes later; or waiting for a retry after a back-off)."""
    deadline = time.monotonic() + seconds
    last, still_since = None, time.monotonic()
    while True:
        left = _pending_mail(database_url)
        due = left.pop("due", 0)
        if time.monotonic() > deadline or (not due and not left.get("sending")):
            return left
        if (due, left) != last:
            last, still_since = (due, left), time.monotonic()
        elif not due and time.monotonic() - still_since > STUCK_SECONDS:
            return left
        time.sleep(1)


#: A logged problem: the app's (logging.basicConfig) or gunicorn's own ("[CRITICAL] WORKER TIMEOUT").
_LOG_LINE = re.compile(r"(?:(?:ERROR|WARNING|CRITICAL)\s+\S+: |\[(?:ERROR|WARNING|CRITICAL)\] )(.*)")
_EXCEPTION = re.compile(r"^(\w+(?:\.\w+)*(?:Error|Exception|Timeout|Locked)\w*): ?(.*)")


def log_errors(*logs: tuple[str, Path]) -> list[tuple[int, str]]:
    """What went wrong, from the logs: each logged error (or uncaught traceback) with the
    exception that ended it and the SQL statement it failed on, if any (SQL errors carry
    no parameters: hide_parameters is on)."""
    found: Counter = Counter()
    for name, log in logs:
        if not log.exists():
            continue
        block: list = []  # [label, exception, statement]

        def flush(block=block):
            if block:
                label, exc, sql = block
                found[label + (f" → {exc}" if exc else "") + (f" [{sql}]" if sql else "")] += 1
                block.clear()

        previous = ""
        for line in log.read_text(errors="replace").splitlines():
            stripped = line.strip()
            head = _LOG_LINE.search(line)
            if head:
                flush()
                block.extend([f"{name}: {re.sub(r'[0-9]+', 'N', head.group(1))[:140]}", "", ""])
            elif line.startswith("Traceback"):
                chained = previous.startswith(("The above exception", "During handling"))
                if not block or (block[1] and not chained):
                    flush()
                    block.extend([f"{name}: uncaught exception", "", ""])
            elif block and not line.startswith(" ") and (exc := _EXCEPTION.match(stripped)):
                block[1] = f"{exc.group(1)}: {exc.group(2)[:120]}"
            elif block and stripped.startswith("[SQL: ") and not block[2]:
                block[2] = stripped[6:].rstrip("]")[:80]
            if stripped:
                previous = stripped
        flush()
    return [(n, what) for what, n in found.most_common()]


def last_exception(text: str) -> str:
    """The exception a command died of (its last line naming one), for the report."""
    lines = [line.strip() for line in text.splitlines() if _EXCEPTION.match(line.strip())]
    return (lines[-1] if lines else (text.strip().splitlines() or ["no output"])[-1])[:300]


# --- one run -----------------------------------------------------------------------------------


@dataclass
class Target:
    """A running site to load: its address, its database and upload folder (read by the
    reconciliation), the environment its `flask` commands run with (the import, the demo data)
    and the mailbox its SMTP sink feeds. `run_mixed` makes one of its own (a gunicorn);
    deploy/cluster_check.py points it at the loopback cluster's nginx."""

    port: int
    database_url: str
    upload_dir: Path
    env: dict
    mailbox: Mailbox
    host: str = "127.0.0.1"


@dataclass
class Driven:
    """What `drive` leaves for the reconciliation."""

    run: Run
    ledger: Ledger
    imported: dict
    import_rows: int


def drive(
    target: Target,
    root: Path,
    *,
    users: int = USERS,
    staff: int = STAFF,
    seconds: float = SECONDS,
    import_rows: int = IMPORT_ROWS,
    import_after: float | None = None,
    migrate: bool = True,
    prepare_data: bool = True,
    during=None,
) -> Driven:
    """The mixed load against `target`: its database migrated first (unless `migrate` is false)
    and given the demo data (unless `prepare_data` is false), the import `import_after` seconds
    in (a third of the run by default), `during(run)` in this thread meanwhile (faults)."""
    if prepare_data:
        prepare(target.env, migrate)
    run = Run(port=target.port, mailbox=target.mailbox, host=target.host)
    outages = root / "outages.csv"
    outages.write_text(outage_csv(import_rows), encoding="utf-8")
    imported = run.imported
    after = seconds / 3 if import_after is None else import_after
    importer = threading.Thread(target=_import, args=(run, target.env, outages, after, imported), daemon=True)
    importer.start()
    ledger = simulate(run, users - staff, staff, seconds, during)
    importer.join(600)
    return Driven(run, ledger, imported, import_rows)


def outcome_of(
    target: Target,
    driven: Driven,
    drain_seconds: float,
    logs: tuple = (),
    sender_exits=(),
    mail_left: dict | None = None,
    in_doubt_mail=(),
    in_doubt_files=(),
    mail_from: int = 0,
) -> Outcome:
    """Reconcile what `drive` did with the database, the sink and the upload folder (what is
    in doubt: bench.mixed_check.reconcile)."""
    imported = driven.imported
    ok = imported.get("error") == "" and imported.get("seconds") is not None
    checks = reconcile(
        target.database_url,
        driven.ledger,
        list(target.mailbox.messages),
        target.upload_dir,
        (IMPORT_DISTRICT, driven.import_rows) if ok else None,
        in_doubt_mail=in_doubt_mail,
        in_doubt_files=in_doubt_files,
        mail_from=mail_from,
    )
    return Outcome(
        driven.run.recorder,
        driven.ledger,
        checks,
        imported.get("seconds"),
        imported.get("error", "did not run"),
        driven.import_rows,
        drain_seconds,
        log_errors(*logs),
        mail_left or {},
        list(sender_exits),
    )


def run_mixed(
    database_url: str,
    root: Path,
    *,
    users: int = USERS,
    staff: int = STAFF,
    seconds: float = SECONDS,
    import_rows: int = IMPORT_ROWS,
    drain_seconds: float = DRAIN_SECONDS,
    extra_env: dict | None = None,
    migrate: bool = True,
) -> Outcome:
    """The mixed load against an empty database (migrated first unless `migrate` is false),
    with the demo data; files in `root`/uploads, logs in `root`."""
    from bench.load import _gunicorn, _wait

    (root / "uploads").mkdir(exist_ok=True)
    env = instance_env(root, database_url)
    mailbox = Mailbox()
    sink = _Sink(mailbox)
    env.update(
        {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(sink.port),
            "MAIL_TIMEOUT": "5",
            "MAIL_DISPATCH": "thread",
            "TRUSTED_PROXIES": "1",
            **(extra_env or {}),
        }
    )
    gunicorn = None
    server_log, sender_log = root / "gunicorn.log", root / "sender.log"
    sender = _Sender(env, sender_log)
    target = Target(_free_port(), database_url, root / "uploads", env, mailbox)
    try:
        prepare(env, migrate)
        gunicorn = _gunicorn("wsgi:app", target.port, env, server_log)
        _wait(f"http://127.0.0.1:{target.port}/healthz", timeout=60)
        sender.start()
        driven = drive(
            target, root, users=users, staff=staff, seconds=seconds, import_rows=import_rows, prepare_data=False
        )
        left = drain(database_url, drain_seconds)
    finally:
        sender.stop()
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.terminate()
            try:
                gunicorn.wait(40)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        time.sleep(0.5)  # a message in flight reaches the sink
        sink.stop()
    return outcome_of(
        target, driven, drain_seconds, (("gunicorn", server_log), ("sender", sender_log)), sender.exits, mail_left=left
    )


class _Sender:
    """`flask mail send-pending --loop`, started again whenever it exits (as a service
    manager would); each exit is counted."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.exits: list[int] = []
        self.proc: subprocess.Popen | None = None
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._keep_running, daemon=True)

    def _spawn(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [str(VENV_BIN / "flask"), "--app", "wsgi", "mail", "send-pending", "--loop"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )

    def start(self) -> None:
        self._spawn()
        self._watch.start()

    def _keep_running(self) -> None:
        while not self._stop.wait(1):
            code = self.proc.poll()
            if code is not None:
                self.exits.append(code)
                self._spawn()

    def stop(self) -> None:
        self._stop.set()
        if self._watch.is_alive():
            self._watch.join(5)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _import(run: Run, env: dict, path: Path, after: float, out: dict) -> None:
    """`flask outages import` in the middle of the load: a process of its own, as an operator
    would run it for a file this size. Through the office upload the operator's browser would
    wait for the whole import, 30 s to 2 minutes beside the load, longer than a proxy in front
    waits for an answer (nginx: 60 s by default)."""
    if run.stop.wait(after):
        return
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603
        [str(VENV_BIN / "flask"), "--app", "wsgi", "outages", "import", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    out["seconds"] = time.monotonic() - started
    out["error"] = "" if done.returncode == 0 else last_exception(done.stderr)


# --- the report --------------------------------------------------------------------------------


def report_outcome(
    report: Report, outcome: Outcome, database: str, budgets: bool = True, judge_answers: bool = True
) -> None:
    """The figures and the reconciliation as report lines; without `budgets` (the suite's
    run, on machines of any speed) the p95 figures are printed, not judged; without
    `judge_answers` the answers 5xx and other unexpected ones are listed for the caller to judge
    (deploy/cluster_check.py: only requests in flight on a killed server may fail)."""
    p95 = _report_answers(report, outcome, database, judge_answers)
    for count, what in outcome.log_errors[:12]:
        report.info(f"  log ({count}×) {what}")
    _report_commands(report, outcome, database)
    for write, budget in ((False, READ_BUDGET_MS), (True, WRITE_BUDGET_MS)) if budgets else ():
        for kind, (is_write, count, ms) in sorted(p95.items()):
            if is_write == write:
                report.check(f"{database}: {kind} p95 ({count} requests)", ms, "ms", budget, fmt="{:.0f}")
    _report_reconciliation(report, outcome, database)


def _report_answers(report: Report, outcome: Outcome, database: str, judge_answers: bool) -> dict:
    """The requests by kind with their p95 and statuses, the 5xx and the unexpected answers."""
    samples = outcome.recorder.samples
    report.info(f"{len(samples)} requests; by kind (requests, p95, statuses):")
    statuses: dict[str, Counter] = defaultdict(Counter)
    for s in samples:
        statuses[s.kind][s.status] += 1
    p95 = outcome.p95()
    for kind in sorted(p95, key=lambda k: (p95[k][0], k)):
        write, count, ms = p95[kind]
        codes = ", ".join(f"{code}×{n}" for code, n in sorted(statuses[kind].items()))
        report.info(f"  {'write' if write else 'read '} {kind}: {count}, p95 {ms:.0f} ms ({codes})")
    for text, n in Counter(f"{kind}: {text}" for kind, text in outcome.recorder.server_errors).most_common(12):
        report.info(f"  5xx ({n}×) {text}")
    problems = Counter(f"{kind}: {text}" for kind, text in outcome.recorder.problems)
    for text, n in problems.most_common(12):
        report.info(f"  unexpected ({n}×) {text}")
    if judge_answers:
        report.check(f"{database}: responses 5xx", outcome.server_errors, "responses", 0, fmt="{:.0f}")
        report.check(f"{database}: other unexpected answers", sum(problems.values()), "answers", 0, fmt="{:.0f}")
    return p95


def _report_commands(report: Report, outcome: Outcome, database: str) -> None:
    """The outage import run during the load, and the exits of the mail sender."""
    rows = outcome.import_rows
    if outcome.import_seconds is not None:
        report.info(
            f"import of {rows} outages (flask outages import, during the load): {outcome.import_seconds:.1f} s"
            f"{', failed: ' + outcome.import_error if outcome.import_error else ''}"
        )
    report.check(
        f"{database}: the import of {rows} outages succeeded",
        0 if outcome.import_error else 1,
        "",
        1,
        at_least=True,
        fmt="{:.0f}",
    )
    report.check(
        f"{database}: exits of the mail sender (send-pending --loop, started again)",
        len(outcome.sender_exits),
        "exits",
        0,
        fmt="{:.0f}",
    )


def _report_reconciliation(report: Report, outcome: Outcome, database: str) -> None:
    """What the database and the mail sink hold against what the load wrote."""
    if outcome.mail_left:
        report.info(f"mail left after up to {outcome.drain_seconds:.0f} s of draining: {outcome.mail_left}")
    for check in outcome.checks:
        if check.found:
            report.info(f"  {check.label}: " + ", ".join(f"{what} {n}" for what, n in sorted(check.found.items())))
        for problem in check.problems[:4]:
            report.info(f"  {problem}")
        if len(check.problems) > 4:
            report.info(f"  … and {len(check.problems) - 4} more")
        report.check(
            f"{database}: reconciliation, {check.label} (of {check.checked})",
            len(check.problems),
            "problems",
            0,
            fmt="{:.0f}",
        )
    unknown = sum(outcome.ledger.unknown.values())
    if unknown:
        report.info(
            f"writes whose outcome could not be seen (the card after them failed): {dict(outcome.ledger.unknown)}"
        )


def _postgres_database(url: str) -> tuple[str, callable]:
    """A fresh database on the server `url` names, never that database itself; and its drop."""
    server = make_url(url)
    name = f"lk_bench_mixed_{secrets.token_hex(4)}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def measure(report: Report) -> None:
    targets = [("SQLite", None)]
    named = os.environ.get("DATABASE_URL", "")
    if named.startswith("postgresql"):
        targets.append(("PostgreSQL", named))
    for database, server in targets:
        report.section(
            f"(d) mixed load on {database}: {USERS} simulated people ({STAFF} staff) for {SECONDS} s, "
            f"gunicorn as configured, an import of {IMPORT_ROWS} outages, mail to a real SMTP server"
        )
        root = make_instance("mixed")
        drop = None
        try:
            if server is None:
                url = f"sqlite:///{root / 'bench.sqlite3'}"
            else:
                url, drop = _postgres_database(server)
            outcome = run_mixed(url, root)
            report_outcome(report, outcome, database)
        finally:
            if drop is not None:
                drop()
            shutil.rmtree(root, ignore_errors=True)
