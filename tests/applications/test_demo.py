"""The demo holds applications in every status of both paths, with their documents, and
every card of the demo consumer opens."""

import sqlalchemy as sa

from app.applications.models import Application, ApplicationDocument, ApplicationStatus
from app.demo import load
from app.extensions import db

PATH_ABOVE_150 = {
    "submitted",
    "needs_info",
    "offer_sent",
    "contract_concluded",
    "in_progress",
    "tu_fulfilled",
    "connected",
    "completed",
    "withdrawn",
}


def test_demo_applications(app, client, login):
    ctx = load()
    small = set(db.session.scalars(sa.select(Application.status).where(Application.power_kw <= 150)))
    large = set(db.session.scalars(sa.select(Application.status).where(Application.power_kw > 150)))
    assert small >= {s.value for s in ApplicationStatus}, "every status up to 150 kW"
    assert large >= PATH_ABOVE_150, "every status of the path of the signed contract"
    assert db.session.scalar(
        sa.select(Application.id).where(Application.kind == "reissue", Application.status == "completed")
    )
    login(ctx.consumer, password="demo-password")
    page = client.page("/applications")
    own = db.session.scalars(sa.select(Application).where(Application.consumer_id == ctx.consumer.id)).all()
    assert len(page.select("[data-application-id]")) == len(own) >= 12
    for application in own:
        response = client.get(f"/applications/{application.id}")
        assert response.status_code == (302 if application.is_draft else 200), application.status
    invoice = db.session.scalar(
        sa.select(ApplicationDocument)
        .join(Application)
        .where(Application.consumer_id == ctx.consumer.id, ApplicationDocument.kind == "invoice")
        .limit(1)
    )
    response = client.get(f"/applications/{invoice.application_id}/documents/{invoice.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
