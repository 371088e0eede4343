from flask import current_app

from app.company.services import save_company


def seed(ctx) -> None:
    save_company(
        dict(
            full_name="Общество с ограниченной ответственностью «Демо-Сеть» (вымышленная организация)",
            short_name="ООО «Демо-Сеть»",
            address="123456, г. Примерск, ул. Энергетиков, д. 1",
            phone="+7 800 000-00-00",
            email="info@demo-set.example.ru",
            inn="7707083893",
            kpp="770701001",
            ogrn="1027700132195",
            bank_name="АО «Пример-Банк» (вымышленный)",
            bank_bic="044525225",
            bank_account="40702810900000000001",
            bank_corr_account="30101810400000000225",
            vat_payer=True,
            region="Примерская область",
            time_zone="Europe/Moscow",
            site_url=current_app.config["SITE_URL"],  # `make run` sets it from PORT
            is_demo=True,
        )
    )
