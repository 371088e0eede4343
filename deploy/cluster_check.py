"""`make cluster-test`: the layout of docs/deploy.md ("Beyond one VM") proven on the loopback
cluster of deploy/cluster.py, and exit non-zero on any FAIL.

1. Rate limits count across servers: registrations from one address alternate between the two
   app servers' own ports, and the 21st is refused on both.
2. The browser journeys (tests/e2e) through nginx, in Chromium (LK_E2E_BASE_URL).
3. The mixed load of `bench mixed` through nginx, smaller (correctness, not speed), while one
   app server is killed with SIGKILL (gunicorn, its mail sender, its periodic command: the host
   dies) and started again, PostgreSQL is restarted and Redis is restarted. Only requests in
   flight on the killed server may fail, each such write wholly stored or not at all; then the
   reconciliation of bench mixed: nothing lost, every mail once, gap-free numbers.
4. A login made through one server works through the other, and its logout ends it on both.
5. The daily reminders run on both servers at the same moment: each recorded, notified and
   mailed once.

    make cluster-test
    .venv/bin/python -m deploy.cluster_check --seconds 120 --keep
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess  # noqa: S404
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.browser import Browser, Recorder, form_ending
from bench.mixed import Target, drain, drive, outcome_of, prepare, report_outcome
from bench.mixed_users import Mailbox
from bench.report import Report
from deploy.cluster import ROOT, Cluster

#: What the servers run with beyond production's defaults: cheaper password hashing (the load
#: is about the transactions around the hash, as in the suite's own concurrency test) and live
#: blocks polled every 2 s (the journeys wait up to 10 s for a change, as against the suite's
#: live server, which polls every second).
TEST_ENV = {"PASSWORD_HASH_TIME_COST": "1", "PASSWORD_HASH_MEMORY_COST": "1024", "POLL_SECONDS": "2"}
USERS, STAFF, SECONDS, IMPORT_ROWS = 8, 2, 90, 2000
#: How long the killed server stays down, and the quiet time between the faults.
DOWN_SECONDS, BETWEEN_SECONDS = 5, 10
#: The workers get SIGKILL with their master (one process group) but are not waited for.
WORKERS_DIE_SECONDS = 0.1
REGISTRATION_LIMIT = 20  # config.py: "20 per hour"


@dataclass
class Faults:
    """When each fault happened: time.monotonic() as the simulated browsers record it, and the
    wall clock (UTC) for what the database keeps."""

    killed: str = ""
    kill_at: float = 0.0
    #: When the killed server's master was reaped: a request nginx sent it between kill_at and
    #: then (and in the moment its workers, killed with it, take to die) was in flight there.
    dead_at: float = 0.0
    kill_wall: datetime | None = None
    back_at: float = 0.0
    pg: tuple[float, float] = (0.0, 0.0)
    redis: tuple[float, float] = (0.0, 0.0)
    errors: list[str] = field(default_factory=list)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=SECONDS, help="length of the mixed load")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder (logs, mail) afterwards")
    parser.add_argument("--skip-e2e", action="store_true", help="leave out the browser journeys")
    args = parser.parse_args(argv)
    report = Report()
    started = time.monotonic()
    report.section("the loopback cluster (deploy/cluster.py)")
    cluster = Cluster(env=TEST_ENV, keep=args.keep, say=report.info)
    with cluster:
        report.info(
            f"up in {time.monotonic() - started:.0f} s: nginx {cluster.url} → "
            f"{', '.join(s.address for s in cluster.servers)}; folder {cluster.folder}"
        )
        limits_across(cluster, report)
        if not args.skip_e2e:
            journeys(cluster, report)
        mixed_with_faults(cluster, report, args.seconds)
        session_across(cluster, report)
        reminders_once(cluster, report)
        commands(cluster, report)
    print(f"\n{len(report.lines)} checks, {len(report.failed)} FAIL, {time.monotonic() - started:.0f} s")
    for line in report.failed:
        print(f"FAIL: {line}")
    return 1 if report.failed else 0


# --- 1. rate limits ------------------------------------------------------------------------------


def limits_across(cluster: Cluster, report: Report) -> None:
    report.section(
        f"rate limits count across servers: registrations from one address, alternating between "
        f"{len(cluster.servers)} servers (limit {REGISTRATION_LIMIT} an hour)"
    )
    recorder = Recorder()
    browsers = [Browser("127.0.0.1", s.port, "203.0.113.20", recorder) for s in cluster.servers]
    statuses = []
    for n in range(REGISTRATION_LIMIT + len(browsers)):
        b = browsers[n % len(browsers)]
        page = b.get("/register", "register form")
        form = form_ending(page.text, "/register") if page.status == 200 else None
        if form is None:
            report.check(
                f"the registration form opens on {cluster.servers[n % len(browsers)].address}",
                0,
                "",
                1,
                at_least=True,
                fmt="{:.0f}",
            )
            return
        statuses.append(b.submit(form, "register", page="/register", changes={"email": "x"}).status)
    counted = Counter(statuses)
    report.info(f"answers in order: {', '.join(str(s) for s in statuses)}")
    report.check(
        "registrations answered before the limit (the form, its errors)",
        sum(1 for s in statuses[:REGISTRATION_LIMIT] if s == 200),
        "",
        REGISTRATION_LIMIT,
        at_least=True,
        fmt="{:.0f}",
    )
    report.check(
        "refused (429) after the limit, on every server",
        sum(1 for s in statuses[REGISTRATION_LIMIT:] if s == 429),
        "",
        len(browsers),
        at_least=True,
        fmt="{:.0f}",
    )
    report.check("other answers", sum(n for s, n in counted.items() if s not in (200, 429)), "", 0, fmt="{:.0f}")


# --- 2. the browser journeys --------------------------------------------------------------------


def journeys(cluster: Cluster, report: Report) -> None:
    report.section(f"the browser journeys (tests/e2e) through nginx at {cluster.url}")
    env = {
        **os.environ,
        "LK_E2E_BASE_URL": cluster.url,
        "DATABASE_URL": cluster.database_url,
        "LK_E2E_UPLOAD_DIR": str(cluster.upload_dir),
        "LK_E2E_MAIL_DIR": str(cluster.mail_dir),
        "LK_E2E_RATELIMIT_STORAGE_URI": cluster.redis.url,
        "LK_E2E_SITE_CONFIG": "production",
        "LK_REQUIRE_BROWSER": "1",
    }
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-rs", "tests/e2e"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    summary = (done.stdout.strip().splitlines() or ["no output"])[-1]
    for line in done.stdout.splitlines():
        if line.startswith(("SKIPPED", "FAILED", "ERROR")):
            report.info(line[:200])
    report.info(f"{summary} ({time.monotonic() - started:.0f} s)")
    if done.returncode:
        print(done.stdout[-8000:], done.stderr[-3000:], sep="\n")
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", summary)) else 0
    report.check("browser journeys failed", 0 if done.returncode == 0 else 1, "runs", 0, fmt="{:.0f}")
    report.check("browser journeys passed", passed, "tests", 1, at_least=True, fmt="{:.0f}")


# --- 3. the mixed load with faults --------------------------------------------------------------


def mixed_with_faults(cluster: Cluster, report: Report, seconds: int) -> None:
    killed = cluster.servers[-1]
    report.section(
        f"the mixed load through nginx: {USERS} simulated people ({STAFF} staff) for {seconds} s, an "
        f"import of {IMPORT_ROWS} outages; {killed.address} killed (SIGKILL) and started again, "
        "PostgreSQL restarted, Redis restarted"
    )
    mailbox = Mailbox()
    target = Target(cluster.nginx.port, cluster.database_url, cluster.upload_dir, cluster.servers[0].env, mailbox)
    prepare(target.env, migrate=False)  # the demo data, on the tables the journeys emptied
    drain(cluster.database_url, 60)
    _quiet_mail(cluster)
    mail_from = _next_outbox_id(cluster)
    cluster.sink.listeners.append(mailbox.add)
    faults = Faults(killed=killed.address)
    root = cluster.folder / "mixed"
    root.mkdir(exist_ok=True)
    driven = drive(
        target,
        root,
        users=USERS,
        staff=STAFF,
        seconds=seconds,
        import_rows=IMPORT_ROWS,
        import_after=3,
        prepare_data=False,
        during=lambda run: _cause_faults(cluster, killed, run, faults),
    )
    left = drain(cluster.database_url, 60)
    time.sleep(1)  # a message in flight reaches the sink
    for error in faults.errors:
        report.info(f"fault: {error}")
    report.check("faults caused as planned", len(faults.errors), "errors", 0, fmt="{:.0f}")
    mail_in_doubt, files_in_doubt = _left_by_the_kill(cluster, faults)
    logs = [(f"server {s.index + 1}", s.folder / "gunicorn.out") for s in cluster.servers]
    logs += [(f"gunicorn {s.index + 1}", s.folder / "error.log") for s in cluster.servers]
    logs += [(f"sender {s.index + 1}", s.folder / "sender.log") for s in cluster.servers]
    outcome = outcome_of(
        target,
        driven,
        60,
        tuple(logs),
        mail_left=left,
        in_doubt_mail=mail_in_doubt,
        in_doubt_files=files_in_doubt,
        mail_from=mail_from,
    )
    samples = outcome.recorder.samples
    by_server = Counter(s.upstream.split(",")[-1].strip() or "nginx" for s in samples)
    report.info(
        f"{len(samples)} requests, {sum(1 for s in samples if s.write)} of them writes; answered by "
        + ", ".join(f"{who} {n}" for who, n in sorted(by_server.items()))
    )
    report.info(
        f"{killed.address} down for {faults.back_at - faults.kill_at:.1f} s (killed, started, ready); "
        f"PostgreSQL restart {faults.pg[1] - faults.pg[0]:.1f} s; Redis restart "
        f"{faults.redis[1] - faults.redis[0]:.1f} s"
    )
    report_outcome(report, outcome, "cluster", budgets=False, judge_answers=False)
    _judge_failures(report, outcome, faults, killed, mail_in_doubt)
    senders = sum(len(s.exits.sender) for s in cluster.servers)
    report.check(
        "exits of the mail senders (send-pending --loop) but the killed one", senders, "exits", 0, fmt="{:.0f}"
    )
    cluster.sink.listeners.remove(mailbox.add)


def _next_outbox_id(cluster: Cluster) -> int:
    engine = sa.create_engine(cluster.database_url)
    try:
        with engine.connect() as conn:
            return (conn.execute(sa.text("SELECT max(id) FROM outbox_mail")).scalar() or 0) + 1
    finally:
        engine.dispose()


def _quiet_mail(cluster: Cluster, quiet: float = 3.0, timeout: float = 60) -> None:
    """Until no mail has arrived for `quiet` seconds: mail of the journeys still on its way
    would carry outbox ids the load's own mail reuses (the journeys empty the tables)."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = cluster.sink._count
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)


def _cause_faults(cluster: Cluster, killed, run, faults: Faults) -> None:
    """In the load's own thread, while the simulated people work: wait for the import to end,
    then kill a server and start it again, restart PostgreSQL, restart Redis."""
    try:
        deadline = time.monotonic() + 120
        while "seconds" not in run.imported and time.monotonic() < deadline and not run.stop.is_set():
            time.sleep(0.5)
        time.sleep(BETWEEN_SECONDS / 2)
        faults.kill_at, faults.kill_wall = time.monotonic(), datetime.now(UTC)
        killed.kill()
        faults.dead_at = time.monotonic()
        time.sleep(DOWN_SECONDS)
        killed.start()
        killed.wait_ready()
        faults.back_at = time.monotonic()
        time.sleep(BETWEEN_SECONDS)
        begun = time.monotonic()
        cluster.postgres.restart()
        faults.pg = (begun, time.monotonic())
        time.sleep(BETWEEN_SECONDS)
        begun = time.monotonic()
        cluster.redis.restart()
        faults.redis = (begun, time.monotonic())
    except Exception as exc:  # said in the report; the load goes on
        faults.errors.append(f"{type(exc).__name__}: {exc}")


def _left_by_the_kill(cluster: Cluster, faults: Faults) -> tuple[set[int], set[str]]:
    """What the killed host may leave behind, by design: mail it had claimed and was sending
    (left "sending"; staff see it as unconfirmed after 10 minutes), and files its requests wrote
    before their commit (no row; `flask storage sweep` removes them)."""
    if faults.kill_wall is None:
        return set(), set()
    window = (faults.kill_wall - timedelta(seconds=30), faults.kill_wall + timedelta(seconds=1))
    engine = sa.create_engine(cluster.database_url)
    try:
        with engine.connect() as conn:
            mail = {
                r.id
                for r in conn.execute(sa.text("SELECT id, claimed_at FROM outbox_mail WHERE status = 'sending'"))
                if r.claimed_at is not None and window[0] <= r.claimed_at <= window[1]
            }
            keys = {r.storage_key for r in conn.execute(sa.text("SELECT storage_key FROM stored_files"))}
    finally:
        engine.dispose()
    files = set()
    for path in cluster.upload_dir.rglob("*"):
        key = path.relative_to(cluster.upload_dir).as_posix()
        if path.is_file() and key not in keys:
            written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            if window[0] <= written <= window[1]:
                files.add(key)
    return mail, files


def _judge_failures(report: Report, outcome, faults: Faults, killed, mail_in_doubt: set[int]) -> None:
    """Each answer 5xx (or none) is either a request in flight on the killed server, or a
    failure nothing allows."""
    in_flight, at_commit, other = Counter(), Counter(), Counter()
    for s in outcome.recorder.samples:
        if s.status < 500:
            continue
        ended = s.at + s.ms / 1000
        on_killed = killed.address in s.upstream or not s.upstream
        if on_killed and s.at <= faults.dead_at + WORKERS_DIE_SECONDS and ended >= faults.kill_at:
            in_flight[f"{s.kind}: {s.status}"] += 1
        elif s.status == 500 and s.at <= faults.pg[1] and ended >= faults.pg[0]:
            at_commit[f"{s.kind}: {s.status}"] += 1
        else:
            when = s.at - faults.kill_at
            other[f"{s.kind}: {s.status} via {s.upstream or '?'} at {when:+.1f} s from the kill"] += 1
    for what, n in in_flight.most_common():
        report.info(f"  in flight on the killed server ({n}×) {what}")
    for what, n in at_commit.most_common():
        report.info(f"  in flight at the PostgreSQL restart ({n}×) {what}")
    for what, n in other.most_common(12):
        report.info(f"  failed otherwise ({n}×) {what}")
    # The servers say which requests lost the database after sending their COMMIT; only those
    # may fail at the restart (the others ran again), and they count as what they are.
    logged = sum(n for n, what in outcome.log_errors if "after sending its COMMIT" in what)
    report.info(
        f"requests in flight at the PostgreSQL restart that failed: {sum(at_commit.values())}, "
        f"the servers' logs name {logged} that lost the database after sending their COMMIT"
    )
    report.check(
        "failures at the PostgreSQL restart but requests that had sent their COMMIT",
        max(0, sum(at_commit.values()) - logged),
        "responses",
        0,
        fmt="{:.0f}",
    )
    report.info(
        f"requests in flight on the killed server that failed: {sum(in_flight.values())}; "
        f"mail its sender or dispatch had claimed, left sending: {len(mail_in_doubt)}"
    )
    report.check(
        "answers 5xx but those in flight on the killed server or at the PostgreSQL restart",
        sum(other.values()),
        "responses",
        0,
        fmt="{:.0f}",
    )
    problems = Counter(text for _, text in outcome.recorder.problems)
    lost_mail = problems.pop("no credentials mail within 30 s", 0)
    for text, n in problems.most_common(12):
        report.info(f"  unexpected ({n}×) {text}")
    if lost_mail:
        report.info(f"registrations whose credentials mail did not come: {lost_mail} (left sending by the killed host)")
    report.check(
        "unexpected answers but a credentials mail the killed host was sending",
        sum(problems.values()) + max(0, lost_mail - len(mail_in_doubt)),
        "answers",
        0,
        fmt="{:.0f}",
    )


# --- 4. sessions --------------------------------------------------------------------------------


def session_across(cluster: Cluster, report: Report) -> None:
    first, second = cluster.servers[0], cluster.servers[-1]
    report.section(f"a login through {first.address} works through {second.address}; its logout there ends it on both")
    recorder = Recorder()
    a = Browser("127.0.0.1", first.port, "203.0.113.30", recorder)
    page = a.get("/login", "login form")
    response = a.submit(
        form_ending(page.text, "/login"),
        "login",
        page="/login",
        changes={"email": "consumer@example.ru", "password": "demo-password"},
    )
    report.check(
        f"the demo consumer logs in through {first.address}",
        1 if response.status == 302 else 0,
        "",
        1,
        at_least=True,
        fmt="{:.0f}",
    )
    b = Browser("127.0.0.1", second.port, "203.0.113.30", recorder)
    b.cookies = dict(a.cookies)
    cabinet = b.get("/cabinet", "cabinet")
    logged_in = cabinet.status == 200 and "/logout" in cabinet.text
    report.info(f"cookies: {', '.join(sorted(a.cookies))}; /cabinet through {second.address}: {cabinet.status}")
    report.check(
        f"its cabinet opens through {second.address}", 1 if logged_in else 0, "", 1, at_least=True, fmt="{:.0f}"
    )
    out = b.submit(form_ending(cabinet.text, "/logout"), "logout", page="/cabinet") if logged_in else None
    again = a.get("/cabinet", "cabinet")
    report.check(
        f"after the logout through {second.address}, {first.address} sends it to the login page",
        1 if out is not None and again.status == 302 and "/login" in again.location else 0,
        "",
        1,
        at_least=True,
        fmt="{:.0f}",
    )


# --- 5. reminders -------------------------------------------------------------------------------


def reminders_once(cluster: Cluster, report: Report) -> None:
    report.section("the daily reminders run on both servers at the same moment")
    engine = sa.create_engine(cluster.database_url)
    try:
        with engine.connect() as conn:
            reminded = set(conn.execute(sa.text("SELECT key FROM reminders_sent")).scalars())
            waiting = conn.execute(
                sa.text(
                    "SELECT id, status, due_date FROM applications WHERE status IN ('needs_info', 'offer_sent') "
                    "AND due_party = 'applicant' AND due_date >= :today"
                ),
                {"today": date.today()},
            ).all()
        # The latest term nobody was reminded of yet: a run as of that day reminds of it (and
        # of nothing the periodic runs, as of today, did already).
        due = max(
            (
                a.due_date
                for a in waiting
                if f"application:{a.id}:{a.status}:{a.due_date.isoformat()}:warn" not in reminded
            ),
            default=None,
        )
        if due is None:
            report.check(
                "applications waiting for their applicant that were not reminded yet",
                0,
                "",
                1,
                at_least=True,
                fmt="{:.0f}",
            )
            return
        day = due.isoformat()
        runs = [
            subprocess.Popen(  # noqa: S603
                [
                    str(Path(sys.executable).parent / "flask"),
                    "--app",
                    "wsgi",
                    "notifications",
                    "remind",
                    "--date",
                    day,
                ],
                cwd=ROOT,
                env=s.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for s in cluster.servers
        ]
        outputs = [run.communicate(timeout=300) for run in runs]
        codes = [run.returncode for run in runs]
        for server, (out, err), code in zip(cluster.servers, outputs, codes, strict=True):
            report.info(f"{server.address}: exit {code}, {out.strip() or err.strip()[-200:]}")
        report.check("remind runs that failed", sum(1 for c in codes if c), "runs", 0, fmt="{:.0f}")
        drain(cluster.database_url, 30)
        time.sleep(1)
        with engine.connect() as conn:
            sent = {
                r.key: r.n for r in conn.execute(sa.text("SELECT key, count(*) AS n FROM reminders_sent GROUP BY key"))
            }
            apps = conn.execute(
                sa.text(
                    "SELECT a.id, a.status, a.due_date, a.number, u.email, u.id AS user_id FROM applications a "
                    "JOIN users u ON u.id = a.consumer_id WHERE a.status IN ('needs_info', 'offer_sent') "
                    "AND a.due_party = 'applicant' AND a.due_date = :due"
                ),
                {"due": due},
            ).all()
            problems = []
            for app in apps:
                key = f"application:{app.id}:{app.status}:{app.due_date.isoformat()}:warn"
                titles = (
                    conn.execute(
                        sa.text(
                            "SELECT title FROM notifications WHERE user_id = :u AND kind = 'deadline' AND title LIKE :t"
                        ),
                        {"u": app.user_id, "t": f"Заявка {app.number}: %"},
                    )
                    .scalars()
                    .all()
                )
                mails = (
                    conn.execute(
                        sa.text(
                            "SELECT id FROM outbox_mail WHERE recipient = :e AND kind = 'notification' AND subject = :t"
                        ),
                        {"e": app.email, "t": titles[0] if titles else ""},
                    )
                    .scalars()
                    .all()
                )
                delivered = _delivered(cluster, mails)
                if sent.get(key) != 1 or len(titles) != 1 or len(mails) != 1 or delivered != 1:
                    problems.append(
                        f"application {app.id}: recorded {sent.get(key, 0)}, notified {len(titles)}, "
                        f"queued {len(mails)}, delivered {delivered}"
                    )
    finally:
        engine.dispose()
    total = sum(int(m.group(1)) for out, _ in outputs if (m := re.search(r"reminders: (\d+) sent", out)))
    met = sum(err.count("met another transaction") for _, err in outputs)
    report.info(
        f"applications due on {day}: {len(apps)}; reminders sent by the two runs together: {total}; "
        f"a run met the other and ran again: {met} times"
    )
    report.check(
        "reminders sent by the two runs together, less the applications due",
        abs(total - len(apps)),
        "reminders",
        0,
        fmt="{:.0f}",
    )
    for problem in problems[:8]:
        report.info(f"  {problem}")
    report.check(
        f"reminders of the {len(apps)} applications due on {day} recorded, notified, queued and delivered "
        "other than once",
        len(problems),
        "applications",
        0,
        fmt="{:.0f}",
    )


def _delivered(cluster: Cluster, outbox_ids: list[int]) -> int:
    """How many times the sink received these outbox rows' mail."""
    wanted = {f"outbox{i}@lk.local" for i in outbox_ids}
    count = 0
    for path in cluster.mail_dir.glob("*.eml"):
        head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
        found = re.search(r"^Message-ID:\s*<[^>]*?(outbox\d+@lk\.local)>", head, re.M | re.I)
        if found and found.group(1) in wanted:
            count += 1
    return count


# --- the hosts' own processes -------------------------------------------------------------------


def commands(cluster: Cluster, report: Report) -> None:
    report.section("the periodic commands of both servers (remind, expire, purge every minute)")
    for server in cluster.servers:
        exits = Counter(f"{what}: {code}" for what, code in server.exits.periodic)
        report.info(f"{server.address}: " + (", ".join(f"{what} ×{n}" for what, n in exits.items()) or "no failed run"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
