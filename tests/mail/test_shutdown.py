"""A sender asked to stop finishes the mail in hand first.

Stopping a service (SIGTERM from systemd or gunicorn, Ctrl-C in `make run`) while a mail is
with the SMTP server must not leave it "sending": the server has taken it, the row says
nobody knows, and staff are asked whether to send it again (issue 16: the suite's mixed load
found one such mail after gunicorn and the sender were stopped). Both senders run in
processes of their own here, stopped the way a service manager stops them."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core import clock
from app.extensions import db
from app.mail.models import MailStatus, OutboxMail

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
#: How long the SMTP server sits on a message before its "250": the window a stop falls in.
SLOW_ANSWER = 1.5


@pytest.fixture
def slow_smtp_server(smtp_server):
    smtp_server.collector.on_message = lambda envelope: time.sleep(SLOW_ANSWER)
    smtp_server.start()
    return smtp_server


def _env(app, smtp_server, tmp_path) -> dict:
    return dict(
        os.environ,
        FLASK_CONFIG="development",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        LK_INSTANCE_DIR=str(tmp_path),
        UPLOAD_DIR=str(tmp_path / "uploads"),
        MAIL_DIR=str(tmp_path / "mail"),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_server.port),
        MAIL_TIMEOUT="5",
        PYTHONPATH=str(ROOT),
    )


def _queue_one(app) -> int:
    row = OutboxMail(
        recipient="kept@example.ru",
        subject="Проверка",
        text_body="Текст",
        kind="test",
        status=MailStatus.pending.value,
        created_at=clock.now(),
        next_attempt_at=clock.now(),
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def _wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _status(mail_id: int) -> str:
    db.session.rollback()
    return db.session.scalar(sa.select(OutboxMail.status).where(OutboxMail.id == mail_id))


def test_the_periodic_sender_stopped_mid_delivery_records_the_mail_as_sent(app, slow_smtp_server, tmp_path):
    mail_id = _queue_one(app)
    sender = subprocess.Popen(  # noqa: S603
        [str(FLASK), "--app", "wsgi", "mail", "send-pending", "--loop", "--interval", "0.2"],
        cwd=ROOT,
        env=_env(app, slow_smtp_server, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: slow_smtp_server.messages, 30, "the mail did not reach the SMTP server")
        sender.send_signal(signal.SIGTERM)  # the server is still to answer "250"
        code = sender.wait(20)
    finally:
        if sender.poll() is None:
            sender.kill()
    assert code == 0, sender.stderr.read().decode(errors="replace")[-2000:]
    assert len(slow_smtp_server.messages) == 1
    assert _status(mail_id) == MailStatus.sent.value


def test_a_server_process_exiting_mid_delivery_lets_its_dispatcher_record_the_mail(app, slow_smtp_server, tmp_path):
    """gunicorn's worker ends with the interpreter's exit; the dispatcher thread is a daemon,
    so without a stop at exit it would die with the mail in hand."""
    script = textwrap.dedent(
        """
        import sys, time
        import sqlalchemy as sa
        from app import create_app
        from app.db import unit_of_work
        from app.extensions import db
        from app.mail.models import OutboxMail
        from app.mail.services import queue_mail

        app = create_app("development", {"MAIL_DISPATCH": "thread", "MAIL_DISPATCH_DELAY": 0})
        with app.test_request_context():
            with unit_of_work():
                row = queue_mail("kept@example.ru", "security_notice", "Проверка", message="Текст", login_url="/")
                db.session.flush()
                mail_id = row.id
            print(mail_id, flush=True)
            while db.session.scalar(sa.select(OutboxMail.status).where(OutboxMail.id == mail_id)) != "sending":
                db.session.rollback()
                time.sleep(0.02)
            db.session.rollback()
        sys.exit(0)  # as a gunicorn worker leaves, with the SMTP server still to answer
        """
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_env(app, slow_smtp_server, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    mail_id = int(done.stdout.split()[0])
    assert len(slow_smtp_server.messages) == 1
    assert _status(mail_id) == MailStatus.sent.value
