import sqlalchemy as sa

from app.extensions import db
from app.mail.models import OutboxMail
from app.notifications.models import Notification
from app.notifications.services import notify, set_preferences


def test_list_newest_first_and_paginated(consumer_client, consumer):
    for n in range(25):
        notify(consumer, "general", f"Событие {n}")
    db.session.commit()
    page = consumer_client.page("/notifications")
    titles = [li.select_one("span").get_text(strip=True) for li in page.select(".notifications li")]
    assert len(titles) == 20 and titles[0].endswith("Событие 24")
    second = consumer_client.page("/notifications?page=2")
    assert len(second.select(".notifications li")) == 5


def test_unread_count_in_the_header_and_mark_read(consumer_client, consumer):
    first = notify(consumer, "general", "Первое", link="/cabinet")
    notify(consumer, "general", "Второе")
    db.session.commit()
    page = consumer_client.page("/cabinet")
    assert page.select_one("#inbox-badge .count")["data-unread"] == "2"
    response = consumer_client.submit(f"/notifications/{first.id}/read", {"open": "1"}, expect=302)
    assert response.headers["Location"] == "/cabinet"
    assert consumer_client.page("/cabinet").select_one("#inbox-badge .count")["data-unread"] == "1"
    consumer_client.submit("/notifications/read-all", {}, expect=302)
    assert consumer_client.page("/cabinet").select_one("#inbox-badge .count")["data-unread"] == "0"


def test_badge_poll_answers_204_while_nothing_changed(consumer_client, consumer):
    page = consumer_client.page("/cabinet")
    poll_url = page.select_one("#inbox-badge")["hx-get"]
    assert consumer_client.get(poll_url, headers={"HX-Request": "true"}).status_code == 204
    notify(consumer, "general", "Новое")
    db.session.commit()
    response = consumer_client.get(poll_url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    from bs4 import BeautifulSoup

    badge = BeautifulSoup(response.data, "html.parser").select_one("#inbox-badge")
    assert badge.select_one(".count")["data-unread"] == "1"
    assert badge["hx-get"] != poll_url
    assert len(response.data) < 2048


def test_unchanged_poll_is_one_query(consumer_client, app):
    from tests.core.query_counter import count_queries

    url = consumer_client.page("/cabinet").select_one("#inbox-badge")["hx-get"]
    with count_queries() as queries:
        assert consumer_client.get(url, headers={"HX-Request": "true"}).status_code == 204
    assert len(queries) == 1, queries


def test_another_consumers_notification_is_404(consumer_client, make_user):
    other = make_user()
    theirs = notify(other, "general", "Чужое")
    db.session.commit()
    assert consumer_client.submit(f"/notifications/{theirs.id}/read", {}).status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None


def test_mail_follows_the_preference(app, consumer):
    notify(consumer, "application_status", "Статус изменён")
    db.session.commit()
    set_preferences(consumer, {"application_status": False})
    notify(consumer, "application_status", "Ещё раз")
    notify(consumer, "account", "Безопасность")  # always mailed
    db.session.commit()
    subjects = db.session.scalars(sa.select(OutboxMail.subject).order_by(OutboxMail.id)).all()
    assert subjects == ["Статус изменён", "Безопасность"]


def test_profile_saves_preferences(consumer_client, consumer):
    page = consumer_client.page("/profile")
    assert page.select_one("#prefs-mail_outage")
    consumer_client.submit("/profile", {"section": "preferences", "prefs-mail_general": "y"}, expect=302)
    from app.notifications.services import preferences

    prefs = preferences(consumer)
    assert prefs["general"] is True and prefs["outage"] is False and prefs["account"] is True


def test_profile_contacts(consumer_client, consumer):
    consumer_client.submit("/profile", {"section": "contacts", "contacts-phone": "8 (912) 000-11-22"}, expect=302)
    db.session.refresh(consumer)
    assert consumer.phone == "+79120001122"
    from tests.helpers import Page

    page = Page(consumer_client.submit("/profile", {"section": "contacts", "contacts-phone": "12"}, expect=200))
    assert any("10 цифр" in e for e in page.errors())


def test_reminders_are_sent_once(app, consumer):
    from datetime import date

    from app.core import signals
    from app.notifications import services

    def source(day):
        yield services.Reminder(key=f"test:{day}", user=consumer, title="Оплатите счёт", body="", link="/cabinet")

    signals.reminders_due.connect(source)
    try:
        runner = app.test_cli_runner()
        result = runner.invoke(args=["notifications", "remind", "--date", "2026-12-01"])
        assert "1 sent" in result.output
        result = runner.invoke(args=["notifications", "remind", "--date", "2026-12-01"])
        assert "0 sent" in result.output
        assert services.send_reminders(date(2026, 12, 2)) == 1
    finally:
        signals.reminders_due.disconnect(source)


def test_the_cabinet_shows_the_three_newest_unread_notifications(consumer_client, consumer):
    from app.notifications.services import mark_read, notify

    first = notify(consumer, "application_status", "Первая новость", link="/applications")
    for n in range(2, 6):
        notify(consumer, "application_status", f"Новость {n}", link="/applications")
    db.session.commit()
    mark_read(consumer, first.id)
    db.session.commit()
    news = consumer_client.page("/cabinet").select_one("section[aria-labelledby=news-h]")
    assert [li.select_one("span").contents[0].strip() for li in news.select("li")] == [
        "Новость 5",
        "Новость 4",
        "Новость 3",
    ]
    assert "Все уведомления (4 непрочитанных)" in news.get_text()
    assert news.select_one("form button[name=open]"), "opened from the cabinet as from the list"


def test_without_news_the_cabinet_says_so(consumer_client):
    news = consumer_client.page("/cabinet").select_one("section[aria-labelledby=news-h]")
    assert "Новых уведомлений нет." in news.get_text()
