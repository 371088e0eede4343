"""The office uploads the outage schedule as Russian Excel saves it (Windows-1251, `;`,
ДД.ММ.ГГГГ ЧЧ:ММ), sees the result once, and a refresh imports nothing more; with and
without JavaScript, on a phone and a desktop."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core import clock
from app.extensions import db
from app.outages.models import Outage
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import browser_login


def excel_file() -> bytes:
    day = (clock.now() + timedelta(days=10)).strftime("%d.%m.%Y")
    rows = [
        "id;district;settlement;street;houses;starts_at;ends_at;reason;status",
        f'С-1;Северный РЭС;г. Примерск;ул. Ленина;"1-15, 17, 19а";{day} 09:00;{day} 17:00;Замена опор;',
        f";Южный РЭС;с. Заречное;;;{day} 08:00;{day} 18:00;Ремонт ВЛ-10 кВ;",
    ]
    return "\r\n".join(rows).encode("cp1251") + b"\r\n"


@pytest.mark.parametrize("width", [360, 1280])
def test_an_excel_file_is_imported_and_its_result_shown_once(live_server, new_page, operator, javascript, width):
    page = new_page(javascript=javascript, width=width)
    browser_login(page, live_server, operator)
    page.goto(f"{live_server}/office/outages/import")
    hint = page.locator("main").inner_text()
    assert "Windows-1251" in hint and "ДД.ММ.ГГГГ ЧЧ:ММ" in hint
    assert page.locator("label[for=file]").inner_text().strip() == "Файл CSV"
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no horizontal scrolling"
    suffix = f"{'js' if javascript else 'nojs'}-{width}"
    screenshot(page, f"outage-import-form-{suffix}")
    page.set_input_files("#file", files=[{"name": "график.csv", "mimeType": "text/csv", "buffer": excel_file()}])
    page.click("main button[type=submit]")
    page.wait_for_url("**/office/outages/import/result")
    status = page.locator("[role=status]").inner_text()
    assert "новых отключений — 2, изменённых — 0, без изменений — 0" in status
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"outage-import-result-{suffix}")

    page.reload()  # F5 after the redirect asks for the result again, never the import
    assert page.title().startswith("Результат загрузки уже показан")
    assert "Повторно файл не загружался" in page.locator("main").inner_text()
    screenshot(page, f"outage-import-result-again-{suffix}")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Outage)) == 2
    page.click("text=Загрузить другой файл")
    page.wait_for_url("**/office/outages/import")
