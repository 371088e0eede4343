"""The reconciliation of `bench mixed`, read straight from the database, the SMTP sink and
UPLOAD_DIR after the load: every write that answered success is stored, registration numbers
have no gaps, every mail went out once and is recorded as sent, files and their rows match.

Each check returns what it found wrong, in words that name ids and numbers, never a person's
data."""

from __future__ import annotations

import email
import email.policy
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench.mixed_users import Ledger

#: The outbox id in a Message-ID: make_msgid(idstring=f"outbox{id}", domain="lk.local").
_OUTBOX_ID = re.compile(r"outbox(\d+)@lk\.local")
_NUMBER = re.compile(r"^(ТП|ОБ)-(\d{4})-(\d{6})$")
SERIES = {"ТП": "application", "ОБ": "appeal"}


@dataclass
class Check:
    label: str
    checked: int
    problems: list[str] = field(default_factory=list)
    #: What a check found besides problems, for the report (writes in doubt: there or absent).
    found: Counter = field(default_factory=Counter)


def reconcile(
    database_url: str,
    ledger: Ledger,
    sink: list[bytes],
    upload_dir: Path,
    imported: tuple[str, int] | None,
    *,
    in_doubt_mail=(),
    in_doubt_files=(),
    mail_from: int = 0,
) -> list[Check]:
    """`imported`: (the district of the imported file, its rows) when the import succeeded.
    `in_doubt_mail`: outbox ids whose sender was killed between claim and outcome (left
    "sending", shown to staff as unconfirmed later: delivered or not, never twice);
    `in_doubt_files`: files in UPLOAD_DIR that requests killed in flight wrote before their
    commit (left without a row, for `flask storage sweep`). `mail_from`: the first outbox id of
    the load, when mail queued before it (the demo data's) is not the load's to reconcile."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            checks = [
                *_accounts(conn, ledger),
                _applications(conn, ledger),
                _appeals(conn, ledger),
                _consumer_steps(conn, ledger),
                _clarifications(conn, ledger),
                _read_marks(conn, ledger),
                _staff_steps(conn, ledger),
                _appeal_steps(conn, ledger),
                _in_doubt(conn, ledger),
                *_numbers(conn),
                _mail(conn, sink, set(in_doubt_mail), mail_from),
                _files(conn, upload_dir, set(in_doubt_files)),
            ]
            if imported is not None:
                checks.append(_import(conn, *imported))
    finally:
        engine.dispose()
    return checks


def _rows(conn, sql: str, **params):
    return conn.execute(sa.text(sql), params).all()


def _accounts(conn, ledger: Ledger) -> list[Check]:
    users = {r.email: r for r in _rows(conn, "SELECT id, email, must_change_password FROM users")}
    registered = Check("registrations stored", len(ledger.users))
    for n, address in enumerate(ledger.users):
        if address not in users:
            registered.problems.append(f"registration #{n + 1} answered success, no user row")
    changed = Check("forced password changes stored", len(ledger.passwords_changed))
    for address in ledger.passwords_changed:
        user = users.get(address)
        if user is None or user.must_change_password:
            changed.problems.append(
                f"user {user.id if user else '?'}: the new password answered success, "
                "the account still has its one-time password"
            )
    attempts = Counter(r.email for r in _rows(conn, "SELECT email FROM login_attempts WHERE success"))
    logins = Check("logins recorded", sum(ledger.logins.values()))
    for address, count in ledger.logins.items():
        if attempts[address] < count:
            uid = users[address].id if address in users else "?"
            logins.problems.append(f"user {uid}: {count} logins answered success, {attempts[address]} recorded")
    return [registered, changed, logins]


def _applications(conn, ledger: Ledger) -> Check:
    check = Check("submitted applications stored with their number and two files", len(ledger.applications))
    users = {r.email: r.id for r in _rows(conn, "SELECT id, email FROM users")}
    apps = {r.id: r for r in _rows(conn, "SELECT id, consumer_id, number, status FROM applications")}
    files = Counter(
        r.application_id
        for r in _rows(
            conn, "SELECT application_id FROM application_documents WHERE kind IN ('site_plan', 'title_document')"
        )
    )
    for address, app_id, number in ledger.applications:
        row = apps.get(app_id)
        if row is None:
            check.problems.append(f"application {app_id}: submission answered success, no row")
        elif row.consumer_id != users.get(address) or row.status == "draft" or row.number is None:
            check.problems.append(
                f"application {app_id}: stored as {row.status}, number {row.number}, or another consumer's"
            )
        elif number and row.number != number:
            check.problems.append(f"application {app_id}: the card showed {number}, stored {row.number}")
        elif files[app_id] != 2:
            check.problems.append(f"application {app_id} ({row.number}): {files[app_id]} of its 2 files stored")
    return check


def _appeals(conn, ledger: Ledger) -> Check:
    check = Check("filed appeals stored with their number and files", len(ledger.appeals))
    users = {r.email: r.id for r in _rows(conn, "SELECT id, email FROM users")}
    appeals = {r.id: r for r in _rows(conn, "SELECT id, consumer_id, number FROM appeals")}
    files = Counter(r.appeal_id for r in _rows(conn, "SELECT appeal_id FROM appeal_files WHERE message_id IS NULL"))
    for address, appeal_id, number, count in ledger.appeals:
        row = appeals.get(appeal_id)
        if row is None:
            check.problems.append(f"appeal {appeal_id}: filing answered success, no row")
        elif row.consumer_id != users.get(address):
            check.problems.append(f"appeal {appeal_id}: stored as another consumer's")
        elif number and row.number != number:
            check.problems.append(f"appeal {appeal_id}: the card showed {number}, stored {row.number}")
        elif files[appeal_id] != count:
            check.problems.append(f"appeal {appeal_id} ({row.number}): {files[appeal_id]} of its {count} files stored")
    return check


def _consumer_steps(conn, ledger: Ledger) -> Check:
    check = Check("consumers' replies and notices of fulfilment stored with their file", len(ledger.consumer_steps))
    events = _rows(
        conn, "SELECT id, application_id, to_status, comment FROM application_events WHERE action = 'status'"
    )
    with_files = {
        r.event_id for r in _rows(conn, "SELECT event_id FROM application_documents WHERE event_id IS NOT NULL")
    }
    for app_id, status, token in ledger.consumer_steps:
        found = [
            e for e in events if e.application_id == app_id and e.to_status == status and token in (e.comment or "")
        ]
        if not found:
            check.problems.append(f"application {app_id}: the step to {status} answered success, no history row")
        elif found[0].id not in with_files:
            check.problems.append(f"application {app_id}: the step to {status} is stored without its file")
    return check


def _clarifications(conn, ledger: Ledger) -> Check:
    check = Check("clarifications of appeals stored", len(ledger.clarifications))
    messages = _rows(conn, "SELECT appeal_id, text FROM appeal_messages WHERE kind = 'clarification'")
    for appeal_id, token in ledger.clarifications:
        if not any(m.appeal_id == appeal_id and token in m.text for m in messages):
            check.problems.append(f"appeal {appeal_id}: a clarification answered success, no message")
    return check


def _read_marks(conn, ledger: Ledger) -> Check:
    check = Check("notifications marked read (one, and all)", sum(len(ids) for _, ids in ledger.read_marks))
    users = {r.email: r.id for r in _rows(conn, "SELECT id, email FROM users")}
    notes = {r.id: r for r in _rows(conn, "SELECT id, user_id, read_at FROM notifications")}
    for address, ids in ledger.read_marks:
        for nid in ids:
            row = notes.get(nid)
            if row is None or row.user_id != users.get(address) or row.read_at is None:
                check.problems.append(f"notification {nid}: marked read with success, stored unread")
    return check


def _staff_steps(conn, ledger: Ledger) -> Check:
    check = Check("staff steps on applications stored in the history", sum(ledger.staff_steps.values()))
    stored = Counter()
    for r in _rows(conn, "SELECT application_id, action, to_status FROM application_events"):
        stored[(r.application_id, "payment" if r.action == "payment" else f"status:{r.to_status}")] += 1
    for (app_id, key), count in ledger.staff_steps.items():
        if stored[(app_id, key)] < count:
            check.problems.append(
                f"application {app_id}: {count} × {key} answered success, {stored[(app_id, key)]} in the history"
            )
    return check


def _appeal_steps(conn, ledger: Ledger) -> Check:
    check = Check("staff steps on appeals stored", len(ledger.appeal_steps))
    taken = {r.appeal_id for r in _rows(conn, "SELECT appeal_id FROM appeal_events WHERE to_status = 'in_progress'")}
    answers = defaultdict(list)
    for r in _rows(conn, "SELECT appeal_id, text FROM appeal_messages WHERE kind = 'answer'"):
        answers[r.appeal_id].append(r.text)
    for appeal_id, step in ledger.appeal_steps:
        if step.startswith("answer:"):
            token = step.split(":", 1)[1]
            if not any(token in text for text in answers[appeal_id]):
                check.problems.append(f"appeal {appeal_id}: an answer answered success, no message")
        elif appeal_id not in taken:
            check.problems.append(f"appeal {appeal_id}: taken into work with success, no history row")
    return check


def _in_doubt(conn, ledger: Ledger) -> Check:
    """Writes answered 5xx or not at all (a server killed under them, a COMMIT lost with the
    database): each is wholly stored or not at all, and nothing is stored that no write asked
    for. What was found is in `found` ("there" or "absent" by kind), for the report."""
    check = Check("writes without an answer wholly stored or not at all", len(ledger.in_doubt))
    found: Counter = Counter()
    users = {r.email: r.id for r in _rows(conn, "SELECT id, email FROM users")}
    credentials = Counter(
        r.recipient for r in _rows(conn, "SELECT recipient FROM outbox_mail WHERE kind = 'credentials'")
    )
    doubted: dict[str, Counter] = defaultdict(Counter)
    for kind, key in ledger.in_doubt:
        doubted[kind][key] += 1
    for (address,) in doubted["register"]:
        there = address in users
        found[f"register {'there' if there else 'absent'}"] += 1
        if there != bool(credentials[address]):
            check.problems.append(
                f"user {users.get(address, '?')}: a registration without an answer is stored "
                f"{'without' if there else 'only as'} its credentials mail"
            )
    check.problems += _unasked(conn, ledger, doubted, found, users)
    events = _rows(
        conn, "SELECT id, application_id, to_status, comment FROM application_events WHERE action = 'status'"
    )
    with_files = {
        r.event_id for r in _rows(conn, "SELECT event_id FROM application_documents WHERE event_id IS NOT NULL")
    }
    for kind in ("reply to request", "notify fulfilment"):
        for app_id, status, token in doubted[kind]:
            hits = [
                e for e in events if e.application_id == app_id and e.to_status == status and token in (e.comment or "")
            ]
            found[f"{kind} {'there' if hits else 'absent'}"] += 1
            if hits and hits[0].id not in with_files:
                check.problems.append(f"application {app_id}: a step without an answer is stored without its file")
    messages = _rows(conn, "SELECT appeal_id, text FROM appeal_messages WHERE kind = 'clarification'")
    for appeal_id, token in doubted["clarification"]:
        there = any(m.appeal_id == appeal_id and token in m.text for m in messages)
        found[f"clarification {'there' if there else 'absent'}"] += 1
    answers = _rows(conn, "SELECT appeal_id, text FROM appeal_messages WHERE kind = 'answer'")
    taken = {r.appeal_id for r in _rows(conn, "SELECT appeal_id FROM appeal_events WHERE to_status = 'in_progress'")}
    for kind in ("staff: answer appeal", "staff: take appeal"):
        for appeal_id, step in doubted[kind]:
            token = step.split(":", 1)[1]
            there = (
                any(a.appeal_id == appeal_id and token in a.text for a in answers)
                if step.startswith("answer:")
                else appeal_id in taken
            )
            found[f"{kind} {'there' if there else 'absent'}"] += 1
    stored = Counter()
    for r in _rows(conn, "SELECT application_id, action, to_status FROM application_events"):
        stored[(r.application_id, "payment" if r.action == "payment" else f"status:{r.to_status}")] += 1
    for kind, keys in doubted.items():
        if not kind.startswith("staff: ") or kind.endswith(" appeal"):
            continue
        for (app_id, key), n in keys.items():
            extra = stored[(app_id, key)] - ledger.staff_steps[(app_id, key)]
            found[f"{kind} {'there' if extra > 0 else 'absent'}"] += n
            if extra > n:
                check.problems.append(
                    f"application {app_id}: {key} stored {extra} times more than answered, {n} without an answer"
                )
    check.found = found
    return check


def _unasked(conn, ledger: Ledger, doubted: dict, found: Counter, users: dict) -> list[str]:
    """Applications and appeals of the simulated people that no answered write accounts for:
    at most one per submission left without an answer, and each whole."""
    problems = []
    answered_apps = {app_id for _, app_id, _ in ledger.applications}
    answered_appeals = {appeal_id for _, appeal_id, _, _ in ledger.appeals}
    documents = Counter(
        r.application_id
        for r in _rows(
            conn, "SELECT application_id FROM application_documents WHERE kind IN ('site_plan', 'title_document')"
        )
    )
    appeal_files = Counter(
        r.appeal_id for r in _rows(conn, "SELECT appeal_id FROM appeal_files WHERE message_id IS NULL")
    )
    owner = {uid: address for address, uid in users.items()}
    people = set(ledger.users) | {address for (address,) in doubted["register"]}
    extra_apps: dict[str, list] = defaultdict(list)
    for r in _rows(conn, "SELECT id, consumer_id, number, status FROM applications"):
        address = owner.get(r.consumer_id)
        if address in people and r.id not in answered_apps and r.status != "draft":
            extra_apps[address].append(r)
    for address, rows in extra_apps.items():
        asked = doubted["submit application"][(address,)]
        found["submit application there"] += len(rows)
        if len(rows) > asked:
            problems.append(
                f"user {users[address]}: {len(rows)} applications stored that no write answered, "
                f"{asked} submissions without an answer"
            )
        for r in rows:
            if r.number is None or documents[r.id] != 2:
                problems.append(
                    f"application {r.id}: stored without an answer, number {r.number}, {documents[r.id]} of its 2 files"
                )
    extra_appeals: dict[str, list] = defaultdict(list)
    for r in _rows(conn, "SELECT id, consumer_id, number FROM appeals"):
        address = owner.get(r.consumer_id)
        if address in people and r.id not in answered_appeals:
            extra_appeals[address].append(r)
    for address, rows in extra_appeals.items():
        asked = doubted["file appeal"]
        counts = sorted(files for (who, files), n in asked.items() if who == address for _ in range(n))
        found["file appeal there"] += len(rows)
        if len(rows) > len(counts):
            problems.append(
                f"user {users[address]}: {len(rows)} appeals stored that no write answered, "
                f"{len(counts)} filings without an answer"
            )
        for r in rows:
            if r.number is None or appeal_files[r.id] not in counts:
                problems.append(
                    f"appeal {r.id}: stored without an answer, number {r.number}, {appeal_files[r.id]} files"
                )
    for kind in ("submit application", "file appeal"):
        total = sum(doubted[kind].values())
        if total > found[f"{kind} there"]:
            found[f"{kind} absent"] += total - found[f"{kind} there"]
    return problems


def _numbers(conn) -> list[Check]:
    """Per series and year: the numbers are 1…n with none missing or twice, n the counter's value."""
    counters = {
        (r.series, r.year): r.last_value for r in _rows(conn, "SELECT series, year, last_value FROM yearly_counters")
    }
    checks = []
    for prefix, table in (("ТП", "applications"), ("ОБ", "appeals")):
        by_year: dict[int, list[int]] = defaultdict(list)
        bad = []
        for (number,) in _rows(conn, f"SELECT number FROM {table} WHERE number IS NOT NULL"):  # noqa: S608 (two constants)
            match = _NUMBER.match(number)
            if match is None or match.group(1) != prefix:
                bad.append(f"{number}: not a {prefix} number")
                continue
            by_year[int(match.group(2))].append(int(match.group(3)))
        check = Check(f"registration numbers {prefix}-YYYY-NNNNNN gap-free", sum(len(v) for v in by_year.values()), bad)
        years = set(by_year) | {year for series, year in counters if series == SERIES[prefix]}
        for year in sorted(years):
            values = by_year.get(year, [])
            top = counters.get((SERIES[prefix], year), 0)
            twice = [v for v, n in Counter(values).items() if n > 1]
            missing = sorted(set(range(1, max(*values, top, 0) + 1)) - set(values))
            if twice:
                check.problems.append(f"{prefix}-{year}: issued twice {_few(twice)}")
            if missing:
                check.problems.append(f"{prefix}-{year}: missing {_few(missing)}")
            if max(values, default=0) != top:
                check.problems.append(
                    f"{prefix}-{year}: the highest number is {max(values, default=0)}, the counter {top}"
                )
        checks.append(check)
    return checks


def _few(values: list[int]) -> str:
    shown = ", ".join(f"{v:06d}" for v in values[:5])
    return shown + (f" and {len(values) - 5} more" if len(values) > 5 else "")


def _mail(conn, sink: list[bytes], in_doubt: set[int] = frozenset(), since: int = 0) -> Check:
    """Each outbox row sent, and in the sink exactly once; nothing in the sink twice or unknown.
    A row in doubt (its sender killed mid-way) may be left "sending", delivered once or not.
    Only rows from id `since` on, and their mail."""
    outbox = {
        r.id: r
        for r in _rows(conn, "SELECT id, status, attempts, last_error FROM outbox_mail WHERE id >= :since", since=since)
    }
    delivered = Counter()
    unknown = 0
    for data in sink:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        found = _OUTBOX_ID.search(message.get("Message-ID", ""))
        if found is None:
            unknown += 1
        elif int(found.group(1)) >= since:
            delivered[int(found.group(1))] += 1
    check = Check("mail delivered exactly once and recorded as sent", len(outbox))
    if unknown:
        check.problems.append(f"{unknown} messages in the sink carry no outbox id")
    by_problem: dict[str, list[int]] = defaultdict(list)
    for mail_id, times in delivered.items():
        if times > 1:
            by_problem["delivered more than once"].append(mail_id)
        if mail_id not in outbox:
            by_problem["delivered, not in the outbox"].append(mail_id)
    for mail_id, row in outbox.items():
        times = delivered[mail_id]
        if mail_id in in_doubt and row.status == "sending":
            check.found[f"left sending by a killed sender, {'delivered' if times else 'not delivered'}"] += 1
        elif row.status == "sent" and times == 0:
            by_problem["recorded as sent, never delivered"].append(mail_id)
        elif row.status != "sent" and times:
            by_problem[f"delivered, recorded as {row.status}"].append(mail_id)
        elif row.status != "sent":
            by_problem[f"not delivered, left {row.status}"].append(mail_id)
    for problem, ids in by_problem.items():
        errors = Counter((outbox[i].last_error or "")[:120] for i in ids if i in outbox and outbox[i].last_error)
        why = f"; last errors: {'; '.join(f'{e} ({n})' for e, n in errors.most_common(2))}" if errors else ""
        check.problems.append(
            f"{len(ids)} mail {problem}: outbox ids {', '.join(map(str, sorted(ids)[:8]))}"
            f"{' …' if len(ids) > 8 else ''}{why}"
        )
    return check


def _files(conn, upload_dir: Path, in_doubt: set[str] = frozenset()) -> Check:
    keys = {r.storage_key for r in _rows(conn, "SELECT storage_key FROM stored_files")}
    on_disk = {p.relative_to(upload_dir).as_posix() for p in upload_dir.rglob("*") if p.is_file()}
    check = Check("stored files and their rows match", len(keys | on_disk))
    left = (on_disk - keys) & in_doubt
    if left:
        check.found["written by requests killed before their commit"] = len(left)
    orphans, missing = sorted(on_disk - keys - left), sorted(keys - on_disk)
    if orphans:
        check.problems.append(f"{len(orphans)} files in UPLOAD_DIR without a row: {', '.join(orphans[:3])}")
    if missing:
        check.problems.append(f"{len(missing)} rows of stored_files without a file: {', '.join(missing[:3])}")
    return check


def _import(conn, district: str, rows: int) -> Check:
    (count,) = conn.execute(sa.text("SELECT count(*) FROM outages WHERE district = :d"), {"d": district}).one()
    check = Check("imported outages stored", rows)
    if count != rows:
        check.problems.append(f"the import answered success with {rows} rows, {count} stored")
    return check
