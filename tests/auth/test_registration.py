import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.privacy.models import ConsentRecord
from tests.helpers import find_line, mail_text

INDIVIDUAL = dict(
    applicant_type="individual",
    email="New.Person@Example.ru",
    phone="+7 900 123-45-67",
    last_name="Сидорова",
    first_name="Анна",
    middle_name="",
    snils="112-233-445 95",
    consent="y",
)
ENTREPRENEUR = dict(
    applicant_type="entrepreneur",
    email="ip@example.ru",
    phone="89001234567",
    last_name="Орлов",
    first_name="Пётр",
    inn="500100732259",
    ogrn="304500116000157",
    consent="y",
)
LEGAL = dict(
    applicant_type="legal",
    email="org@example.ru",
    phone="9001234567",
    org_name="ООО «Ромашка»",
    last_name="Белов",
    first_name="Игорь",
    inn="7707083893",
    kpp="770701001",
    ogrn="1027700132195",
    consent="y",
)


def users():
    return db.session.scalars(sa.select(User)).all()


def test_register_page_has_the_contract_fields(client):
    page = client.page("/register")
    names = {i.get("name") for i in page.select("input")}
    assert {
        "applicant_type",
        "email",
        "phone",
        "last_name",
        "first_name",
        "middle_name",
        "org_name",
        "snils",
        "inn",
        "kpp",
        "ogrn",
        "consent",
    } <= names
    consent = page.soup.find("input", attrs={"name": "consent"})
    assert not consent.has_attr("checked"), "the consent box starts unticked"


def test_individual_registers_and_gets_credentials(client, mailbox):
    response = client.submit("/register", INDIVIDUAL, expect=302)
    assert response.headers["Location"].endswith("/register/done")
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.ru"))
    assert user.snils == "11223344595" and user.phone == "+79001234567"
    assert user.must_change_password and user.password_expires_at is not None
    consent = db.session.scalar(sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    assert consent.method == "online" and consent.version == "2026-01" and consent.ip == "127.0.0.1"
    [message] = mailbox()
    assert message["To"] == "new.person@example.ru"
    body = mail_text(message)
    assert find_line(body, "Логин:") == "new.person@example.ru"
    password = find_line(body, "Пароль:")
    assert len(password) >= 10
    page = client.page("/register/done")
    assert "Проверьте почту" in page


def test_entrepreneur_and_legal_entity_register(client):
    client.submit("/register", ENTREPRENEUR, expect=302)
    client.submit("/register", LEGAL, expect=302)
    ip, org = sorted(users(), key=lambda u: u.email)
    assert (ip.applicant_type, ip.inn, ip.ogrn, ip.kpp, ip.snils) == (
        "entrepreneur",
        "500100732259",
        "304500116000157",
        None,
        None,
    )
    assert (org.org_name, org.kpp, org.ogrn) == ("ООО «Ромашка»", "770701001", "1027700132195")
    assert org.display_name == "ООО «Ромашка»"


def test_fields_of_other_types_are_not_kept(client):
    client.submit("/register", {**INDIVIDUAL, "inn": "7707083893", "org_name": "Чужое"}, expect=302)
    [user] = users()
    assert user.inn is None and user.org_name == ""


def test_without_consent_nothing_is_created(client, mailbox):
    data = {k: v for k, v in INDIVIDUAL.items() if k != "consent"}
    response = client.submit("/register", data, expect=200)
    from tests.helpers import Page

    page = Page(response)
    assert page.title.startswith("Ошибка: ")
    assert "Без согласия на обработку персональных данных зарегистрироваться нельзя." in page.errors()
    assert users() == [] and mailbox() == []


def test_every_bad_field_gets_a_russian_message(client):
    from tests.helpers import Page

    bad = dict(
        applicant_type="legal",
        email="not-an-email",
        phone="12",
        org_name="",
        last_name="R2D2",
        first_name="",
        inn="7707083894",
        kpp="12",
        ogrn="1027700132196",
    )
    page = Page(client.submit("/register", bad, expect=200))
    errors = " ".join(page.errors())
    for fragment in (
        "name@example.ru",
        "10 цифр после +7",
        "наименование организации",
        "буквы",
        "Укажите имя",
        "контрольная цифра",
        "КПП состоит",
        "ОГРН введён с ошибкой",
        "Без согласия",
    ):
        assert fragment in errors, fragment
    summary = page.select(".error-summary a")
    assert summary and all(a["href"].startswith("#") for a in summary)
    assert users() == []


def test_taken_email_gets_the_same_answer_and_a_warning_to_the_owner(client, make_user, mailbox):
    owner = make_user(email="taken@example.ru")
    before = (owner.password_hash, owner.phone)
    response = client.submit("/register", {**INDIVIDUAL, "email": "TAKEN@example.ru"}, expect=302)
    assert response.headers["Location"].endswith("/register/done")
    db.session.refresh(owner)
    assert (owner.password_hash, owner.phone) == before
    [message] = mailbox()
    assert message["To"] == "taken@example.ru"
    assert "Попытка регистрации" in message["Subject"]
    assert "Пароль:" not in mail_text(message)


def test_registration_is_throttled_per_address(app, client):
    app.config["REGISTRATION_LIMIT"] = "2 per hour"
    for n in range(2):
        client.submit("/register", {**INDIVIDUAL, "email": f"p{n}@example.ru"}, expect=302)
    response = client.submit("/register", {**INDIVIDUAL, "email": "p9@example.ru"}, expect=429)
    assert "Слишком много запросов" in response.get_data(as_text=True)
