"""The yardsticks of SPEC §3, served by gunicorn exactly like the portal in the same run:
`/` is a bare Flask route; `/orm` is a minimal page of one 20-row ORM query and a cached
template (SPEC §3 says it reaches about 0.2 of the bare route)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Item(db.Model):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))


TEMPLATE = """<!doctype html><html lang="ru"><title>Bare</title>
<ul>{% for item in items %}<li>{{ item.id }} {{ item.name }}</li>{% endfor %}</ul></html>"""

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get("BARE_DATABASE_URL", "sqlite:////tmp/lk-bench-bare.sqlite3")
db.init_app(app)
with app.app_context():
    db.create_all()
    if not db.session.scalar(sa.select(sa.func.count()).select_from(Item)):
        db.session.add_all(Item(name=f"Строка {n}") for n in range(100))
        db.session.commit()
    _template = app.jinja_env.from_string(TEMPLATE)  # compiled once: "a cached template"


@app.get("/")
def bare():
    return "<!doctype html><html lang=ru><title>Bare</title><p>ok</p></html>"


@app.get("/orm")
def orm_page():
    items = db.session.scalars(sa.select(Item).order_by(Item.id).limit(20)).all()
    return _template.render(items=items)


@app.get("/healthz")
def healthz():
    return "ok"
