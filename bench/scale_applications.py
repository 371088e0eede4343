"""(c) Scale, applications and notifications: the consumer's pages and the office queue with
100,000 applications, 1,000,000 notifications and 20,000 outages in the database (SPEC §3).

A throw-away demo instance (migrated with Alembic, the demo data loaded) gets 20,000 more
consumers, 100,000 applications with their submission in the history, 1,000,000
notifications and 20,000 outages, all through SQLAlchemy Core (SPEC §5). The demo consumer is
the bench consumer: 1,000 of the applications and 3,000 of the notifications are theirs.
Each page is measured in the process (the test client, no network): the median server time
of RUNS requests against 50 ms (the p95 and the slowest beside it), and the SQL statements
of one request, which must not exceed those of the same page on the demo data alone, before
the rows went in (a fixed number, whatever the rows)."""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from bench.report import Report

APPLICATIONS = 100_000
NOTIFICATIONS = 1_000_000
CONSUMERS = 20_000
#: The demo consumer's share: their list and their inbox at scale.
BENCH_APPLICATIONS = 1_000
BENCH_NOTIFICATIONS = 3_000
CHUNK = 10_000
RUNS = 20
BUDGET_MS = 50
BENCH_CONSUMER = "consumer@example.ru"
#: The bulk consumers never log in: no password hash matches this.
NO_PASSWORD = "!"  # noqa: S105 (not a password)
OPERATOR = "operator@example.ru"

#: A surname typed in another case than stored (SPEC §5: Cyrillic search ignores case and ё).
SURNAME_QUERY = "КУЗНЕЦОВА"

#: (label, url, who): every list page, queue and card the scale budget covers.
URLS: list[tuple[str, str, str]] = [
    ("consumer: /applications", "/applications", "consumer"),
    ("consumer: /applications?page=10", "/applications?page=10", "consumer"),
    ("consumer: /applications/<id> (card)", "/applications/{card_id}", "consumer"),
    ("consumer: /notifications", "/notifications", "consumer"),
    ("consumer: /cabinet", "/cabinet", "consumer"),
    ("office: /office/applications/", "/office/applications/", "operator"),
    ("office: queue ?overdue=y", "/office/applications/?overdue=y", "operator"),
    ("office: queue ?due_week=y", "/office/applications/?due_week=y", "operator"),
    ("office: queue ?mine=y", "/office/applications/?mine=y", "operator"),
    (f"office: queue ?q={SURNAME_QUERY}", f"/office/applications/?q={quote(SURNAME_QUERY)}", "operator"),
    ("office: queue ?q=<number>", "/office/applications/?q={number}", "operator"),
    ("office: queue ?status=all&sort=new", "/office/applications/?status=all&sort=new", "operator"),
    ("office: queue ?category=up_to_670", "/office/applications/?category=up_to_670", "operator"),
    ("office: /office/appeals/ (demo appeals only)", "/office/appeals/", "operator"),
]

SURNAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев "
    "Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев "
    "Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв "
    "Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков "
    "Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов "
    "Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев"
).split()
MALE_NAMES = "Александр Сергей Андрей Дмитрий Алексей Иван Михаил Николай Владимир Евгений Артём Павел".split()
FEMALE_NAMES = "Елена Ольга Наталья Татьяна Ирина Анна Мария Светлана Юлия Екатерина Людмила Галина".split()
PATRONYMICS = [
    (stem + "ич", stem + "на")
    for stem in "Александров Сергеев Андреев Дмитриев Алексеев Иванов Николаев Владимиров Петров Викторов".split()
]
ORGS = ("Агрофирма", "Стройинвест", "Теплица", "Автосервис", "Лесопилка", "Торговый дом", "Ферма", "Пекарня")
#: (how many in 1,000 applications, status)
STATUSES = [
    (40, "draft"),
    (60, "submitted"),
    (40, "needs_info"),
    (60, "offer_sent"),
    (50, "contract_concluded"),
    (200, "in_progress"),
    (30, "tu_fulfilled"),
    (20, "connected"),
    (400, "completed"),
    (60, "withdrawn"),
    (40, "annulled"),
]
OPEN = {"submitted", "needs_info", "offer_sent", "contract_concluded", "in_progress", "tu_fulfilled", "connected"}
DUE_LABELS = {
    "submitted": "Направить заявителю договор и ТУ",
    "needs_info": "Представить недостающие сведения",
    "offer_sent": "Оплатить счёт",
    "contract_concluded": "Начать выполнение мероприятий",
    "in_progress": "Выполнить мероприятия по присоединению",
    "tu_fulfilled": "Проверить выполнение ТУ",
    "connected": "Разместить акты",
}
STAFF_PARTY = {"submitted", "contract_concluded", "in_progress", "tu_fulfilled", "connected"}
#: (share, category, kind, applicant types, power range kW, voltage)
CATEGORIES = [
    (50, "up_to_15", "new", ("individual",), (3, 15), "0.4"),
    (28, "up_to_150", "new", ("individual", "entrepreneur", "legal"), (16, 150), "0.4"),
    (8, "up_to_670", "new", ("entrepreneur", "legal"), (151, 670), "10"),
    (4, "over_670", "increase", ("legal",), (671, 5000), "10"),
    (7, "temporary", "temporary", ("individual", "entrepreneur", "legal"), (5, 100), "0.4"),
    (3, "up_to_15", "reissue", ("individual",), (5, 15), "0.4"),
]
CATEGORIES_BY_TYPE = {t: [c for c in CATEGORIES if t in c[3]] for t in ("individual", "entrepreneur", "legal")}
NOTIFICATION_TEXTS = [
    ("application_status", "Заявка {n}: договор и технические условия размещены", "/applications/{id}"),
    ("application_status", "Заявка {n}: статус изменён", "/applications/{id}"),
    ("deadline", "Заявка {n}: осталось 3 дня до срока", "/applications/{id}"),
    ("outage", "Плановое отключение: 12.08.2026 09:00 – 17:00, с. Село-3, ул. Ленина", "/outages"),
    ("general", "Изменился график приёма в офисе", ""),
]


def _pick(rnd: random.Random, table: list) -> tuple:
    total = sum(row[0] for row in table)
    x = rnd.uniform(0, total)
    for row in table:
        x -= row[0]
        if x <= 0:
            return row
    return table[-1]


def _person(rnd: random.Random) -> tuple[str, str, str]:
    surname, (male, female) = rnd.choice(SURNAMES), rnd.choice(PATRONYMICS)
    if rnd.random() < 0.5:
        return surname, rnd.choice(MALE_NAMES), male
    return surname + "а", rnd.choice(FEMALE_NAMES), female


def _insert(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start : start + CHUNK])


def _consumers(conn, rnd: random.Random, moment: datetime) -> list[dict]:
    """20,000 consumers: people, sole proprietors, companies. Returns their rows with ids."""
    import sqlalchemy as sa

    from app.auth.models import User
    from app.core.text import normalize_search

    table = User.__table__
    first_id = conn.scalar(sa.select(sa.func.max(table.c.id))) + 1
    rows = []
    for n in range(CONSUMERS):
        kind = "legal" if n % 12 == 0 else "entrepreneur" if n % 12 == 1 else "individual"
        last, first, middle = _person(rnd)
        org = f"ООО «{rnd.choice(ORGS)}-{n}»" if kind == "legal" else ""
        email = f"bench{n}@example.ru"
        rows.append(
            dict(
                id=first_id + n,
                email=email,
                password_hash=NO_PASSWORD,
                role="consumer",
                applicant_type=kind,
                last_name=last,
                first_name=first,
                middle_name=middle,
                org_name=org,
                phone=f"+7900{n:07d}",
                search_text=normalize_search(last, first, middle, org, email),
                registered_via="online",
                created_at=moment - timedelta(days=rnd.randrange(1, 1500)),
            )
        )
    _insert(conn, table, rows)
    return rows


def _display_name(user: dict) -> tuple[str, str]:
    person = " ".join(p for p in (user["last_name"], user["first_name"], user["middle_name"]) if p)
    if user["applicant_type"] == "legal":
        return user["org_name"], person
    if user["applicant_type"] == "entrepreneur":
        return f"ИП {person}", person
    return person, person


def _applications(
    conn, rnd: random.Random, moment: datetime, day: date, owners: list[dict], bench: dict, staff_ids: list[int]
) -> list[tuple[int, str, datetime]]:
    """100,000 applications, ids in the order of creation (the consumer's list is newest
    first). Returns (id, status, submitted_at) of those submitted, for their history."""
    import sqlalchemy as sa

    from app.applications.models import Application
    from app.core.text import normalize_search
    from bench.scale_outages import SETTLEMENTS, STREETS

    table = Application.__table__
    first_id = conn.scalar(sa.select(sa.func.max(table.c.id))) + 1
    bench_every = APPLICATIONS // BENCH_APPLICATIONS
    span = 3 * 365 * 24 * 3600
    counters: dict[int, int] = {}
    rows, submitted = [], []
    for n in range(APPLICATIONS):
        owner = bench if n % bench_every == bench_every - 1 else owners[int(len(owners) * rnd.random() ** 2)]
        _, category, kind, _, (low, high), voltage = _pick(rnd, CATEGORIES_BY_TYPE[owner["applicant_type"]])
        status = _pick(rnd, STATUSES)[1]
        # Three years of applications in order; the newest are still open.
        created = moment - timedelta(seconds=span * (1 - n / APPLICATIONS) + rnd.randrange(3600))
        if status in OPEN or status == "draft":
            created = max(created, moment - timedelta(days=rnd.randrange(5, 400)))
        power = Decimal(rnd.randint(low, high))
        settlement = rnd.choice(SETTLEMENTS)
        street = rnd.choice(STREETS)
        house = str(rnd.randint(1, 60))
        if owner is bench:  # a developer's objects: 40 addresses in 8 settlements
            place = n // bench_every % 40
            settlement, street, house = SETTLEMENTS[place % 8], STREETS[place % 5], str(place + 1)
        number, submitted_at, due, due_label, due_party = None, None, None, "", ""
        if status != "draft":
            submitted_at = created + timedelta(hours=1)
            year = submitted_at.year
            counters[year] = counters.get(year, 1000) + 1
            number = f"ТП-{year}-{counters[year]:06d}"
            submitted.append((first_id + n, status, submitted_at))
        if status in OPEN:
            # About one open application in eight is overdue; most are due within two months.
            due = day + timedelta(days=rnd.randint(-25, -1) if rnd.random() < 0.12 else rnd.randint(0, 60))
            due_label = DUE_LABELS[status]
            due_party = "staff" if status in STAFF_PARTY else "applicant"
        name, person = _display_name(owner)
        rows.append(
            dict(
                id=first_id + n,
                number=number,
                consumer_id=owner["id"],
                kind=kind,
                status=status,
                category=category,
                applicant_type=owner["applicant_type"],
                object_name=rnd.choice(("Жилой дом", "Садовый дом", "Магазин", "Гараж", "Склад", "Баня", "Цех")),
                object_settlement=settlement,
                object_street=street,
                object_house=house,
                cadastral_number=f"50:20:{rnd.randrange(10**7):07d}:{rnd.randrange(100, 9999)}",
                power_kw=power,
                existing_power_kw=Decimal(0),
                voltage_kv=voltage,
                reliability=3,
                load_character="household" if category == "up_to_15" else "commercial",
                connection_points=1,
                supplier="АО «Примерэнергосбыт»",
                commissioning_date=day + timedelta(days=rnd.randrange(30, 400)),
                stages="",
                preferential=False,
                created_at=created,
                updated_at=created,
                submitted_at=submitted_at,
                stage_started_at=submitted_at,
                completed_at=submitted_at + timedelta(days=120) if status == "completed" else None,
                due_date=due,
                due_label=due_label,
                due_party=due_party,
                assigned_to_id=staff_ids[n % len(staff_ids)] if status in OPEN and n % 3 == 0 else None,
                search_text=normalize_search(number or "", name, person, owner["email"], settlement, street),
                offer_inputs={},
                version=1,
            )
        )
    _insert(conn, table, rows)
    return submitted


def _history(conn, submitted: list[tuple[int, str, datetime]]) -> None:
    """The submission of each application: the first line of its history."""
    from app.applications.models import ApplicationEvent

    rows = [
        dict(
            application_id=app_id,
            at=at,
            actor_id=None,
            action="status",
            from_status="draft",
            to_status="submitted",
            comment="",
        )
        for app_id, _, at in submitted
    ]
    _insert(conn, ApplicationEvent.__table__, rows)


def _notifications(
    conn, rnd: random.Random, moment: datetime, owners: list[dict], bench: dict, first_app_id: int
) -> None:
    """1,000,000 notifications: 3,000 the bench consumer's, the rest across all consumers;
    the last month's partly unread, older ones read."""
    from app.notifications.models import Notification

    table = Notification.__table__
    rows: list[dict] = []
    span = 3 * 365 * 24 * 3600
    for n in range(NOTIFICATIONS):
        user = bench if n % (NOTIFICATIONS // BENCH_NOTIFICATIONS) == 0 else owners[rnd.randrange(len(owners))]
        kind, title, link = NOTIFICATION_TEXTS[n % len(NOTIFICATION_TEXTS)]
        app_id = first_app_id + rnd.randrange(APPLICATIONS)
        created = moment - timedelta(seconds=span * (1 - n / NOTIFICATIONS))
        recent = moment - created < timedelta(days=30)
        rows.append(
            dict(
                user_id=user["id"],
                kind=kind,
                title=title.format(n=f"ТП-2026-{app_id % 10**6:06d}"),
                body="Подробности — в личном кабинете.",
                link=link.format(id=app_id),
                created_at=created,
                read_at=None if recent and rnd.random() < 0.5 else created + timedelta(hours=5),
            )
        )
        if len(rows) == CHUNK:
            conn.execute(table.insert(), rows)
            rows = []
    if rows:
        conn.execute(table.insert(), rows)


def seed(report: Report) -> dict:
    """Fill the demo instance of the current app context; returns the row counts."""
    import sqlalchemy as sa

    from app.applications.models import Application
    from app.auth.models import User
    from app.core.clock import now, today
    from app.extensions import db
    from app.outages.services import sync_source_addresses
    from bench.scale_outages import COUNT as OUTAGES
    from bench.scale_outages import bulk_outages

    rnd = random.Random(861)
    moment, day = now(), today()
    bench = db.session.execute(sa.select(User.__table__).where(User.email == BENCH_CONSUMER)).mappings().one()
    staff_ids = list(db.session.scalars(sa.select(User.id).where(User.role != "consumer")))
    db.session.remove()
    engine = db.engine
    engine.dispose()  # no other connection: the journal mode can change
    started = time.perf_counter()
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF", "cache_size=-200000"):
            raw.execute(f"PRAGMA {pragma}")
        with conn.begin():
            owners = _consumers(conn, rnd, moment)
            first_app_id = conn.scalar(sa.select(sa.func.max(Application.id))) + 1
            submitted = _applications(conn, rnd, moment, day, owners, dict(bench), staff_ids)
            _history(conn, submitted)
            _notifications(conn, rnd, moment, owners, dict(bench), first_app_id)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            raw.execute(f"PRAGMA {pragma}")
    engine.dispose()
    # The rest through the app's own code: 20,000 outages, the bench consumer's addresses.
    bulk_outages(OUTAGES, moment)
    sync_source_addresses(db.session.get(User, bench["id"]))
    db.session.commit()
    seconds = time.perf_counter() - started
    counts = {
        name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))  # noqa: S608 (fixed names)
        for name in ("users", "applications", "application_events", "notifications", "outages", "user_addresses")
    }
    report.info(f"seeded in {seconds:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    mine = db.session.scalar(
        sa.select(sa.func.count()).select_from(Application).where(Application.consumer_id == bench["id"])
    )
    report.info(f"the bench consumer ({BENCH_CONSUMER}) owns {mine:,} applications")
    return counts


def _placeholders() -> dict:
    import sqlalchemy as sa

    from app.extensions import db
    from bench.pages import PLACEHOLDERS

    card_id = db.session.scalar(sa.text(PLACEHOLDERS["in_progress_application_id"]))
    number = db.session.scalar(sa.text("SELECT number FROM applications WHERE number IS NOT NULL ORDER BY id LIMIT 1"))
    return {"card_id": card_id, "number": quote(number.lower())}


def _statements(engine, client, url: str) -> int:
    """The SQL statements of one GET, transaction control aside (as tests/core/query_counter)."""
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


def _timings(client, url: str) -> list[float]:
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def measure(report: Report) -> None:
    from app.extensions import db
    from bench.demo_app import demo_app
    from bench.weights import _login
    from tests.helpers import LkClient

    with demo_app() as app:
        app.test_client_class = LkClient
        clients = {}
        for who, email in (("consumer", BENCH_CONSUMER), ("operator", OPERATOR)):
            clients[who] = app.test_client()
            _login(clients[who], email)
        with app.app_context():
            values = _placeholders()
            engine = db.engine
        urls = [(label, url.format(**values), who) for label, url, who in URLS]
        # The statements of each page on the demo data alone (the consumer owns 14 applications).
        few = {}
        for label, url, who in urls:
            clients[who].get(url)  # templates compiled, the card's notifications read
            few[label] = _statements(engine, clients[who], url)
        with app.app_context():
            seed(report)
        for label, url, who in urls:
            client = clients[who]
            client.get(url)  # caches warm
            many = _statements(engine, client, url)
            timings = _timings(client, url)
            p95 = statistics.quantiles(timings, n=20)[-1]
            report.check(f"{label}: median server time", statistics.median(timings), "ms", BUDGET_MS)
            report.info(f"p95 {p95:.1f} ms, max {max(timings):.1f} ms of {RUNS} requests")
            report.check(
                f"{label}: SQL statements (demo data alone: {few[label]})", many, "queries", few[label], fmt="{:.0f}"
            )
