"""The simulated people of `bench mixed`: consumers and staff, through HTTP only, as browsers
would (GET the form, take its values and csrf_token, POST, follow the redirect).

Every write that answered success goes into the thread's Ledger, which bench/mixed_check.py
compares with the database afterwards. A write counts as a success only when the portal
said so: the redirect that only a success gives (a refusal shows the form again or answers
403), or, where a refusal redirects too, the success message on the page it leads to."""

from __future__ import annotations

import email
import email.policy
import random
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.applications.models import ApplicationStatus
from app.auth.demo import DEMO_TOTP_SECRET
from app.auth.identifiers import snils_checksum
from app.auth.twofactor import totp
from bench.browser import Browser, Recorder, Response, form_ending

#: The smallest files the upload checks recognise by content (as tests/helpers.py has them).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
#: Where every simulated consumer connects a house: outages imported there reach them.
SETTLEMENT, STREET, HOUSE = "д. Берёзовка", "ул. Садовая", "7"
#: Per-address limits (config.py: SUBMISSION_LIMIT 10 a minute and 30 an hour, UPLOAD_LIMIT
#: 60 files an hour): a person who has used this much moves on and a new one registers.
SUBMISSIONS_PER_PERSON = 8
UPLOADS_PER_PERSON = 40
#: How long a registration may wait for its credentials mail.
MAIL_WAIT = 30

_NUMBER = re.compile(r"(?:ТП|ОБ)-\d{4}-\d{6}")
_ID_AT_END = re.compile(r"/(\d+)(?:#.*)?$")
_FLASH = re.compile(r'class="flash flash-(\w+)"[^>]*>([^<]*)<')
_ERRORS = re.compile(r'<p class="error"[^>]*>([^<]*)<|<li><a href="#[^"]*">([^<]*)</a></li>')


@dataclass
class Ledger:
    """The writes one thread saw succeed, to be found in the database afterwards."""

    users: list[str] = field(default_factory=list)
    passwords_changed: list[str] = field(default_factory=list)
    logins: Counter = field(default_factory=Counter)
    #: (email, application id, number or "" when the card did not open).
    applications: list[tuple[str, int, str]] = field(default_factory=list)
    #: (email, appeal id, number or "", files attached).
    appeals: list[tuple[str, int, str, int]] = field(default_factory=list)
    #: (application id, status reached, unique text of the comment).
    consumer_steps: list[tuple[int, str, str]] = field(default_factory=list)
    #: (appeal id, unique text) of clarifications.
    clarifications: list[tuple[int, str]] = field(default_factory=list)
    #: (email, notification ids): marked read one by one, or all that the list showed unread.
    read_marks: list[tuple[str, list[int]]] = field(default_factory=list)
    #: (application id, "status:<to>" or "payment") of each staff action.
    staff_steps: Counter = field(default_factory=Counter)
    #: (appeal id, "status:in_progress") or (appeal id, "answer:<unique text>").
    appeal_steps: list[tuple[int, str]] = field(default_factory=list)
    #: Writes whose outcome could not be seen: a staff step on an appeal redirects to the
    #: card whether it succeeded or not, and the card did not open.
    unknown: Counter = field(default_factory=Counter)
    #: (kind, what identifies it) of writes answered 5xx or not at all (a server killed under
    #: them, a COMMIT lost with the database): each must be wholly stored or not at all.
    in_doubt: list[tuple[str, tuple]] = field(default_factory=list)

    def merge(self, other: Ledger) -> None:
        for name in (
            "users",
            "passwords_changed",
            "applications",
            "appeals",
            "consumer_steps",
            "clarifications",
            "read_marks",
            "appeal_steps",
            "in_doubt",
        ):
            getattr(self, name).extend(getattr(other, name))
        for name in ("logins", "staff_steps", "unknown"):
            getattr(self, name).update(getattr(other, name))


class Mailbox:
    """What the SMTP sink received, by recipient; a registration waits here for its password."""

    def __init__(self):
        self.messages: list[bytes] = []
        self._by_recipient: dict[str, list[bytes]] = {}
        self._changed = threading.Condition()

    def add(self, recipients: list[str], data: bytes) -> None:
        with self._changed:
            self.messages.append(data)
            for to in recipients:
                self._by_recipient.setdefault(to.lower(), []).append(data)
            self._changed.notify_all()

    def credentials(self, address: str, timeout: float) -> tuple[str, str] | None:
        """(login, one-time password) from the credentials mail to `address` (SPEC §4.6)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for data in self._by_recipient.get(address.lower(), []):
                    found = _credentials_in(data)
                    if found:
                        return found
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)


def _credentials_in(data: bytes) -> tuple[str, str] | None:
    message = email.message_from_bytes(data, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    text = part.get_content() if part is not None else ""
    login, password = re.search(r"^Логин: (\S+)", text, re.M), re.search(r"^Пароль: (\S+)", text, re.M)
    return (login.group(1), password.group(1)) if login and password else None


def _flash(response: Response) -> tuple[str, str] | None:
    found = _FLASH.search(response.text)
    return (found.group(1), found.group(2).strip()) if found else None


def _refusal(response: Response) -> str:
    """What a page that re-shows a form says is wrong, for the report."""
    messages = [a or b for a, b in _ERRORS.findall(response.text)]
    flash = _flash(response)
    if flash and flash[0] == "error":
        messages.insert(0, flash[1])
    return "; ".join(dict.fromkeys(m.strip() for m in messages if m.strip()))[:200] or "no message"


class Actor:
    """What consumers and staff share: a browser per person and the bookkeeping."""

    def __init__(self, run: Run, index: int):
        self.run, self.index = run, index
        self.ledger = Ledger()
        self.rnd = random.Random(run.seed * 1000 + index)

    @property
    def recorder(self) -> Recorder:
        return self.run.recorder

    def browser(self, address: str) -> Browser:
        return Browser(self.run.host, self.run.port, address, self.recorder)

    def page(self, b: Browser, path: str, kind: str) -> Response | None:
        """A GET that must answer 200."""
        response = b.get(path, kind)
        if response.status != 200:
            if response.status < 500:
                self.recorder.problem(kind, f"GET {_short(path)}: {response.status}")
            return None
        return response

    def post(
        self, b: Browser, page: Response, suffix: str, kind: str, doubt: tuple | None = None, **kwargs
    ) -> Response | None:
        """Submit the form of `page` whose action ends with `suffix`; a redirect is the answer
        of a success. A page shown again (its errors) or any other status is reported; an
        answer 5xx (or none) leaves the write in doubt, noted with `doubt` to find it by."""
        form = form_ending(page.text, suffix)
        if form is None:
            self.recorder.problem(kind, f"no form {suffix} on {_short(page.path)}")
            return None
        response = b.submit(form, kind, page=page.path, **kwargs)
        if response.status in (302, 303):
            return response
        if response.status >= 500 and doubt is not None:
            self.ledger.in_doubt.append((kind, doubt))
        if response.status == 200:
            self.recorder.problem(kind, f"form refused: {_refusal(response)}")
        elif response.status < 500:
            self.recorder.problem(kind, f"POST {_short(response.path)}: {response.status}")
        return None

    def after(self, b: Browser, response: Response, kind: str) -> Response | None:
        """The page a write redirects to, opened as a browser does; None when it fails."""
        shown = b.follow(response, kind)
        if shown.status != 200:
            if shown.status < 500:
                self.recorder.problem(kind, f"GET {_short(shown.path)}: {shown.status}")
            return None
        return shown

    def confirmed(self, shown: Response | None, write: str) -> None:
        """A redirect that only a success gives should lead to its success message."""
        if shown is not None and (_flash(shown) or ("", ""))[0] != "success":
            self.recorder.problem(write, f"no success message after the redirect: {_refusal(shown)}")

    def stopped(self) -> bool:
        return self.run.stop.is_set()


def _short(path: str) -> str:
    return re.sub(r"/\d+", "/<id>", path.split("?", 1)[0])


# --- consumers ---------------------------------------------------------------------------------


@dataclass
class Person:
    email: str
    browser: Browser
    password: str = ""
    logged_in: bool = False
    submissions: int = SUBMISSIONS_PER_PERSON
    uploads: int = UPLOADS_PER_PERSON
    applications: list[int] = field(default_factory=list)
    appeals: list[int] = field(default_factory=list)

    def can_submit(self, files: int = 0) -> bool:
        return self.submissions >= 1 and self.uploads >= files

    def spend(self, files: int = 0) -> None:
        self.submissions -= 1
        self.uploads -= files


def snils(rnd: random.Random) -> str:
    first = f"{rnd.randrange(2_000_000, 999_999_999):09d}"
    return f"{first}{snils_checksum(first):02d}"


class Consumer(Actor):
    """Registers, reads the password from the mail, logs in and sets a password of their own,
    then submits applications with files, opens the card at once, answers requests for data,
    tells of the fulfilled conditions, files appeals and clarifications, reads notifications.
    A person who has used their address's limits leaves; a new one registers."""

    ACTIONS = (("submit", 4), ("applications", 3), ("appeal", 2), ("clarify", 1), ("notifications", 2), ("cabinet", 1))

    def __init__(self, run: Run, index: int):
        super().__init__(run, index)
        self.people: list[Person] = []
        self.born = 0

    def loop(self) -> None:
        while not self.stopped():
            person = self.choose()
            if person is None:
                continue
            name = self.rnd.choices([a for a, _ in self.ACTIONS], [w for _, w in self.ACTIONS])[0]
            getattr(self, f"do_{name}")(person)

    def choose(self) -> Person | None:
        """Mostly the newest person; now and then one who came back. A new one when the
        newest has used their limits."""
        ready = [p for p in self.people if p.logged_in]
        if ready and self.rnd.random() < 0.25:
            return self.rnd.choice(ready)
        if ready and ready[-1] is self.people[-1] and self.people[-1].submissions >= 2:
            return ready[-1]
        return self.newcomer()

    # -- onboarding --

    def newcomer(self) -> Person | None:
        self.born += 1
        address = f"10.{self.index % 250 + 1}.{self.born // 250}.{self.born % 250 + 1}"
        mail = f"mixed{self.run.seed}-{self.index}-{self.born}@example.ru"
        person = Person(mail, self.browser(address))
        self.people.append(person)
        if not self.register(person) or self.stopped():
            return None
        if not self.first_login(person):
            return None
        return person

    def register(self, p: Person) -> bool:
        b = p.browser
        page = self.page(b, "/register", "register form")
        if page is None:
            return False
        response = self.post(
            b,
            page,
            "/register",
            "register",
            doubt=(p.email,),
            changes={
                "applicant_type": "individual",
                "email": p.email,
                "phone": f"+7900{self.rnd.randrange(10**7):07d}",
                "last_name": "Сидорова",
                "first_name": "Анна",
                "middle_name": "Игоревна",
                "snils": snils(self.rnd),
                "consent": "y",
            },
        )
        if response is None:
            return False
        if not response.redirect_path.startswith("/register/done"):
            self.recorder.problem("register", f"redirected to {_short(response.redirect_path)}")
            return False
        self.ledger.users.append(p.email)
        self.after(b, response, "register done page")
        return True

    def first_login(self, p: Person) -> bool:
        found = self.run.mailbox.credentials(p.email, MAIL_WAIT)
        if found is None:
            self.recorder.problem("register", f"no credentials mail within {MAIL_WAIT} s")
            return False
        login, one_time = found
        if not self.login(p, login, one_time):
            return False
        b = p.browser
        page = self.page(b, "/password/change", "password form")
        if page is None:
            return False
        p.password = "Bench " + secrets.token_urlsafe(12)
        response = self.post(
            b,
            page,
            "/password/change",
            "password change",
            changes={"new_password": p.password, "new_password_confirm": p.password},
        )
        if response is None:
            return False
        p.spend()
        self.ledger.passwords_changed.append(p.email)  # a refusal shows the form again
        self.confirmed(self.after(b, response, "cabinet"), "password change")
        p.logged_in = True
        return True

    def login(self, p: Person, login: str, password: str) -> bool:
        b = p.browser
        page = self.page(b, "/login", "login form")
        if page is None:
            return False
        response = self.post(b, page, "/login", "login", changes={"email": login, "password": password})
        if response is None:
            return False
        if not response.redirect_path.startswith(("/password/change", "/cabinet")):
            self.recorder.problem("login", f"redirected to {_short(response.redirect_path)}")
            return False
        self.ledger.logins[p.email] += 1
        return True

    # -- the actions --

    def do_cabinet(self, p: Person) -> None:
        self.page(p.browser, "/cabinet", "cabinet")

    def do_submit(self, p: Person) -> None:
        if not p.can_submit(files=2):
            return
        b = p.browser
        page = self.page(b, "/applications/new", "application form")
        if page is None:
            return
        commissioning = (date.today() + timedelta(days=120)).isoformat()
        p.spend(files=2)
        response = self.post(
            b,
            page,
            "/applications/new",
            "submit application",
            doubt=(p.email,),
            changes={
                "kind": "new",
                "object_name": "Жилой дом",
                "object_settlement": SETTLEMENT,
                "object_street": STREET,
                "object_house": HOUSE,
                "cadastral_number": "50:20:0010203:456",
                "power_kw": "15",
                "existing_power_kw": "0",
                "voltage_kv": "0.4",
                "reliability": "3",
                "load_character": "household",
                "connection_points": "1",
                "supplier": "АО «Примерэнергосбыт»",
                "commissioning_date": commissioning,
                "preferential": "n",
                "passport_series": "4510",
                "passport_number": f"{self.rnd.randrange(10**6):06d}",
                "passport_issued_by": "ОВД района Примерный",
                "passport_issued_on": "2015-06-01",
                "action": "submit",
            },
            files=[
                ("site_plan", "план участка.pdf", PDF, "application/pdf"),
                ("title_document", "выписка ЕГРН.png", PNG, "image/png"),
            ],
        )
        if response is None:
            return
        found = _ID_AT_END.search(response.redirect_path)
        if not response.redirect_path.startswith("/applications/") or found is None:
            self.recorder.problem("submit application", f"redirected to {_short(response.redirect_path)}")
            return
        application_id = int(found.group(1))
        p.applications.append(application_id)
        shown = self.after(b, response, "application card after submit")
        number = ""
        if shown is not None:
            match = _NUMBER.search(shown.text)
            number = match.group(0) if match else ""
        self.ledger.applications.append((p.email, application_id, number))

    def do_applications(self, p: Person) -> None:
        """The list; an application waiting for the applicant gets its answer, else one card is read."""
        b = p.browser
        page = self.page(b, "/applications", "application list")
        if page is None:
            return
        statuses = self.run.statuses_in_list(page.text)
        waiting = [(i, s) for i, s in statuses if s in ("needs_info", "in_progress") and i in p.applications]
        if waiting and p.can_submit(files=1):
            application_id, status = self.rnd.choice(waiting)
            self.answer(p, application_id, status)
        elif p.applications:
            self.page(b, f"/applications/{self.rnd.choice(p.applications)}", "application card")

    def answer(self, p: Person, application_id: int, status: str) -> None:
        b = p.browser
        card = self.page(b, f"/applications/{application_id}", "application card")
        if card is None:
            return
        suffix, kind, reached = (
            ("/reply", "reply to request", "submitted")
            if status == "needs_info"
            else ("/fulfilment", "notify fulfilment", "tu_fulfilled")
        )
        if form_ending(card.text, suffix) is None:
            return  # the status moved on since the list was read
        token = f"mixed-{secrets.token_hex(6)}"
        p.spend(files=1)
        response = self.post(
            b,
            card,
            suffix,
            kind,
            doubt=(application_id, reached, token),
            changes={"text": f"Ответ заявителя {token}"},
            files=[("files", "документ.pdf", PDF, "application/pdf")],
        )
        if response is None:
            return
        self.ledger.consumer_steps.append((application_id, reached, token))  # a refusal is 403 or the card again
        self.confirmed(self.after(b, response, "application card"), kind)

    def do_appeal(self, p: Person) -> None:
        files = 1 if self.rnd.random() < 0.5 else 0
        if not p.can_submit(files=files):
            return
        b = p.browser
        page = self.page(b, "/appeals/new", "appeal form")
        if page is None:
            return
        chosen = [("files", "фото.png", PNG, "image/png")] if files else []
        p.spend(files=files)
        response = self.post(
            b,
            page,
            "/appeals/new",
            "file appeal",
            doubt=(p.email, files),
            changes={
                "kind": "request",
                "topic": "connection",
                "channel": "cabinet",
                "text": f"Прошу сообщить, когда будет рассмотрена моя заявка. mixed-{secrets.token_hex(4)}",
            },
            files=chosen,
        )
        if response is None:
            return
        found = _ID_AT_END.search(response.redirect_path)
        if not response.redirect_path.startswith("/appeals/") or found is None:
            self.recorder.problem("file appeal", f"redirected to {_short(response.redirect_path)}")
            return
        appeal_id = int(found.group(1))
        p.appeals.append(appeal_id)
        shown = self.after(b, response, "appeal card after filing")
        number = ""
        if shown is not None:
            match = _NUMBER.search(shown.text)
            number = match.group(0) if match else ""
        self.ledger.appeals.append((p.email, appeal_id, number, files))

    def do_clarify(self, p: Person) -> None:
        if not p.appeals or not p.can_submit():
            return
        b = p.browser
        appeal_id = self.rnd.choice(p.appeals)
        card = self.page(b, f"/appeals/{appeal_id}", "appeal card")
        if card is None or form_ending(card.text, "/clarifications") is None:
            return
        token = f"mixed-{secrets.token_hex(6)}"
        p.spend()
        response = self.post(
            b, card, "/clarifications", "clarification", doubt=(appeal_id, token), changes={"text": f"Уточняю: {token}"}
        )
        if response is None:
            return
        # A success returns to the thread; an appeal answered meanwhile returns with a refusal.
        if response.redirect_path.endswith("#thread"):
            self.ledger.clarifications.append((appeal_id, token))
        self.after(b, response, "appeal card")

    def do_notifications(self, p: Person) -> None:
        b = p.browser
        page = self.page(b, "/notifications", "notifications")
        if page is None:
            return
        unread = [int(n) for n in re.findall(r'<li class="unread" id="notification-(\d+)"', page.text)]
        if not unread:
            return
        if self.rnd.random() < 0.5:
            chosen = self.rnd.choice(unread)
            response = self.post(b, page, f"/notifications/{chosen}/read", "mark read")
            marked = [chosen]
        else:
            response = self.post(b, page, "/notifications/read-all", "mark all read")
            marked = unread
        if response is None:
            return
        self.ledger.read_marks.append((p.email, marked))
        self.after(b, response, "notifications")


# --- staff -------------------------------------------------------------------------------------


class Staff(Actor):
    """The demo operator or admin: moves applications along the path of a household
    connection (request for data once, the offer, the payment, the work, the connection,
    the final documents) and takes and answers appeals. Operator and admin split the work by
    the parity of the id, as two people sharing a queue would, so neither acts on a card the
    other has just changed."""

    #: Queue filters in the order of the path's end first, so some applications get through.
    STAGES = ("connected", "tu_fulfilled", "contract_concluded", "offer_sent", "submitted")

    def __init__(self, run: Run, index: int, who: str, parity: int):
        super().__init__(run, index)
        self.who, self.parity = who, parity
        self.b = self.browser(f"192.0.2.{10 + index % 200}")
        self.asked: set[int] = set()
        #: (application id, stage) whose step is not this simulation's.
        self.skip: set[tuple[int, str]] = set()

    def loop(self) -> None:
        if not self.login():
            return
        turn = 0
        while not self.stopped():
            turn += 1
            did = self.appeal_work() if turn % 3 == 0 else self.application_work()
            if not did and not self.stopped():
                self.page(self.b, "/office/", "office dashboard")
                time.sleep(0.5)

    def login(self) -> bool:
        b = self.b
        for _attempt in range(3):
            page = self.page(b, "/login", "login form")
            if page is None:
                continue
            response = self.post(
                b, page, "/login", "login", changes={"email": f"{self.who}@example.ru", "password": "demo-password"}
            )
            if response is None or not response.redirect_path.startswith("/login/second-factor"):
                continue
            step = self.page(b, "/login/second-factor", "second factor form")
            if step is None:
                continue
            # pyotp alone refuses the 80-bit demo secret (bench/load.py does the same).
            response = self.post(
                b, step, "/login/second-factor", "second factor", changes={"code": totp(DEMO_TOTP_SECRET).now()}
            )
            if response is not None and response.redirect_path.startswith("/office"):
                self.ledger.logins[f"{self.who}@example.ru"] += 1
                return True
            # A code is accepted once: another session of the same account may have used
            # this one. The next comes with the next 30-second step.
            time.sleep(31 - time.time() % 30)
        self.recorder.problem("login", f"{self.who} could not log in")
        return False

    def mine(self, html: str, attribute: str) -> list[int]:
        ids = [int(i) for i in re.findall(rf'data-{attribute}-id="(\d+)"', html)]
        return [i for i in ids if i % 2 == self.parity]

    def application_work(self) -> bool:
        for stage in self.STAGES:
            if self.stopped():
                return True
            queue = self.page(self.b, f"/office/applications/?status={stage}&sort=new", "office queue")
            if queue is None:
                continue
            ids = [i for i in self.mine(queue.text, "application") if (i, stage) not in self.skip]
            if ids:
                return self.act(ids[0], stage)
        return False

    def act(self, application_id: int, stage: str) -> bool:
        b = self.b
        path = f"/office/applications/{application_id}"
        card = self.page(b, path, "office application card")
        if card is None:
            return True
        token = f"mixed-{secrets.token_hex(6)}"
        if stage == "submitted" and application_id % 4 == 0 and application_id not in self.asked:
            self.asked.add(application_id)
            step = (
                "/request-info",
                "staff: request info",
                "status:needs_info",
                {"info-text": f"Приложите, пожалуйста, план участка с привязкой к улице. {token}"},
                [],
            )
        elif stage == "submitted":
            step = (
                "/offer",
                "staff: post offer",
                "status:offer_sent",
                {"offer-comment": token},
                [("offer-technical_conditions", "ТУ.pdf", PDF, "application/pdf")],
            )
        elif stage == "offer_sent":
            step = ("/payments", "staff: record payment", "payment", {"payment-document": f"п/п {token}"}, [])
        elif stage == "contract_concluded":
            step = ("/start", "staff: start work", "status:in_progress", {}, [])
        elif stage == "tu_fulfilled":
            step = ("/connect", "staff: confirm connection", "status:connected", {"connect-comment": token}, [])
        else:
            step = (
                "/complete",
                "staff: complete",
                "status:completed",
                {"complete-comment": token},
                [
                    ("complete-connection_act", "акт ТП.pdf", PDF, "application/pdf"),
                    ("complete-meter_act", "акт ПУ.pdf", PDF, "application/pdf"),
                ],
            )
        suffix, kind, key, changes, files = step
        if form_ending(card.text, suffix) is None:
            # Nothing of this step to do here (a demo application on another path, an invoice
            # paid, a contract to sign): leave it to the people of the office.
            self.skip.add((application_id, stage))
            return True
        response = self.post(b, card, suffix, kind, doubt=(application_id, key), changes=changes, files=files)
        if response is None:
            return True
        self.ledger.staff_steps[(application_id, key)] += 1  # a refusal is 403 or the card again
        self.confirmed(self.after(b, response, "office application card"), kind)
        return True

    def appeal_work(self) -> bool:
        b = self.b
        for status, suffix, kind in (
            ("in_progress", "/answer", "staff: answer appeal"),
            ("registered", "/take", "staff: take appeal"),
        ):
            queue = self.page(b, f"/office/appeals/?status={status}&sort=new", "office appeal queue")
            if queue is None:
                continue
            ids = self.mine(queue.text, "appeal")
            if not ids:
                continue
            appeal_id = ids[0]
            card = self.page(b, f"/office/appeals/{appeal_id}", "office appeal card")
            if card is None or form_ending(card.text, suffix) is None:
                return True
            token = f"mixed-{secrets.token_hex(6)}"
            changes = (
                {"answer-text": f"Ваша заявка рассматривается в установленный срок. {token}"}
                if suffix == "/answer"
                else {}
            )
            step = f"answer:{token}" if suffix == "/answer" else "status:in_progress"
            response = self.post(b, card, suffix, kind, doubt=(appeal_id, step), changes=changes)
            if response is None:
                return True
            # A refusal redirects to the card too, with its reason: the page tells which.
            shown = self.after(b, response, "office appeal card")
            if shown is None:
                self.ledger.unknown[kind] += 1
                return True
            flash = _flash(shown)
            if flash is None or flash[0] != "success":
                self.recorder.problem(kind, f"no success message: {_refusal(shown)}")
                return True
            self.ledger.appeal_steps.append((appeal_id, step))
            return True
        return False


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Run:
    """What the simulated people share: the server's port, the sink's mail, the clock."""

    port: int
    mailbox: Mailbox
    recorder: Recorder = field(default_factory=Recorder)
    stop: threading.Event = field(default_factory=threading.Event)
    seed: int = field(default_factory=lambda: secrets.randbelow(10**6))
    host: str = "127.0.0.1"
    #: The import in the middle: its "seconds" and "error" once it has run.
    imported: dict = field(default_factory=dict)

    def statuses_in_list(self, html: str) -> list[tuple[int, str]]:
        """(id, status) of the rows of the consumer's list of applications."""
        rows = re.findall(r'data-application-id="(\d+)".*?<span class="status[^"]*">([^<]+)</span>', html, re.S)
        return [(int(i), _STATUS_OF_LABEL.get(label.strip(), "")) for i, label in rows]


_STATUS_OF_LABEL = {s.label: s.value for s in ApplicationStatus}


def simulate(run: Run, consumers: int, staff: int, seconds: float, during=None) -> Ledger:
    """`consumers` + `staff` threads for `seconds`; `during(run)` runs meanwhile in this thread
    (the import). Returns the ledger of every thread."""
    actors: list[Actor] = []
    who = ("operator", "admin")
    for n in range(staff):
        actors.append(Staff(run, n, who[n % 2], parity=n % 2))
    for n in range(consumers):
        actors.append(Consumer(run, staff + n))
    threads = [
        threading.Thread(target=_guarded, args=(a,), name=f"mixed-{n}", daemon=True) for n, a in enumerate(actors)
    ]
    for t in threads:
        t.start()
    started = time.monotonic()
    if during is not None:
        during(run)
    run.stop.wait(max(0.0, seconds - (time.monotonic() - started)))
    run.stop.set()
    for t in threads:
        t.join(120)
    ledger = Ledger()
    for a in actors:
        ledger.merge(a.ledger)
    return ledger


def _guarded(actor: Actor) -> None:
    try:
        actor.loop()
    except Exception as exc:  # a bug of the simulation, not of the portal: say so and stop this one
        import traceback

        actor.recorder.problem("simulation", f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
