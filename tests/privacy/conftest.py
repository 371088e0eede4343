import pytest

from app.company.services import save_company
from app.extensions import db


@pytest.fixture
def company(app):
    """The operator's details, as an admin enters them in /office/settings/."""
    company = save_company(
        dict(
            full_name="Акционерное общество «Примерская сетевая компания»",
            short_name="АО «ПСК»",
            address="123456, г. Примерск, ул. Энергетиков, д. 1",
            phone="+7 800 000-00-01",
            email="pd@psk.example.ru",
            inn="7707083893",
            kpp="770701001",
            ogrn="1027700132195",
        )
    )
    db.session.commit()
    return company
