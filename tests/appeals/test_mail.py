"""The answer reaches the consumer when the mail server is down: the notification is
there at once, the mail goes out later, once."""

from datetime import timedelta

import sqlalchemy as sa

from app.core import clock
from app.extensions import db
from app.mail.models import OutboxMail
from app.notifications.models import Notification
from tests.mail.test_delivery import parsed


def test_no_notification_lost_with_the_mail_down(
    app, consumer, consumer_client, operator_client, make_appeal, smtp_server
):
    appeal = make_appeal(consumer, channel="email")  # the server is down from the start
    response = operator_client.submit(f"/office/appeals/{appeal.id}/answer", {"answer-text": "Ответ: работы в мае."})
    assert response.status_code == 302, "answering does not depend on the mail server"
    notification = db.session.scalar(sa.select(Notification).where(Notification.title.like("Получен ответ%")))
    assert notification is not None and notification.read_at is None
    assert consumer_client.page("/cabinet").select_one("#inbox-badge .count")["data-unread"] == "2"
    answer_mail = db.session.scalar(sa.select(OutboxMail).where(OutboxMail.kind == "appeal_answer"))
    assert answer_mail.status == "pending" and answer_mail.last_error
    assert smtp_server.messages == []

    smtp_server.start()
    clock.set_now(clock.now() + timedelta(minutes=5))
    runner = app.test_cli_runner()
    runner.invoke(args=["mail", "send-pending"])
    runner.invoke(args=["mail", "send-pending"])
    answers = [e for e in smtp_server.messages if "Ответ на обращение" in parsed(e)["Subject"]]
    assert len(answers) == 1, "sent once"
    body = parsed(answers[0]).get_body(preferencelist=("plain",)).get_content()
    assert "Ответ: работы в мае." in body and answers[0].rcpt_tos == [consumer.email]
    db.session.rollback()
    assert db.session.get(OutboxMail, answer_mail.id).status == "sent"
