"""Quality ratings («Оценить качество и доступность», SPEC §2.6): a consumer's scores of an
application they submitted and of an appeal that was answered; one rating per object,
which the consumer may change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

#: The lowest and the highest score of every criterion.
MIN_SCORE, MAX_SCORE = 1, 5
#: The longest comment, in characters.
MAX_COMMENT = 2000
#: What each score means, for the radio buttons and the report.
SCORE_LABELS = {1: "очень плохо", 2: "плохо", 3: "удовлетворительно", 4: "хорошо", 5: "отлично"}


@dataclass(frozen=True)
class Criterion:
    """One scored question: the column and form field `name`, its label and a hint."""

    name: str
    label: str
    hint: str = ""
    #: A short column heading for the report tables and the CSV.
    short: str = ""


APPLICATION_CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "ease", "Простота подачи заявки", "Удобно ли было заполнить заявку и приложить документы.", "Простота подачи"
    ),
    Criterion(
        "clarity", "Понятность информации", "Понятно ли, что происходит с заявкой и что от вас нужно.", "Понятность"
    ),
    Criterion("deadlines", "Соблюдение сроков", "Уложилась ли сетевая организация в сроки.", "Сроки"),
    Criterion(
        "courtesy",
        "Вежливость и компетентность сотрудников",
        "Как с вами общались и могли ли ответить на вопросы.",
        "Вежливость",
    ),
    Criterion("cost", "Прозрачность стоимости", "Понятно ли, из чего сложилась плата за присоединение.", "Стоимость"),
    Criterion("overall", "Общая оценка", "Насколько вы довольны обслуживанием в целом.", "Общая"),
)

APPEAL_CRITERIA: tuple[Criterion, ...] = (
    Criterion("overall", "Общая оценка", "Насколько вы довольны рассмотрением обращения.", "Общая"),
    Criterion("timeliness", "Своевременность ответа", "Вовремя ли вы получили ответ.", "Своевременность"),
    Criterion("clarity", "Понятность ответа", "Понятен ли ответ и отвечает ли он на ваш вопрос.", "Понятность"),
)


def _score_checks(criteria) -> list[sa.CheckConstraint]:
    return [sa.CheckConstraint(f"{c.name} BETWEEN {MIN_SCORE} AND {MAX_SCORE}", name=c.name) for c in criteria]


class ApplicationRating(db.Model):
    """The consumer's rating of one submitted application."""

    __tablename__ = "application_ratings"
    __table_args__ = tuple(_score_checks(APPLICATION_CRITERIA))

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    #: The application's consumer, kept here for «мои оценки» and «мои данные» without a join.
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    ease: Mapped[int] = mapped_column(sa.SmallInteger)
    clarity: Mapped[int] = mapped_column(sa.SmallInteger)
    deadlines: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Politeness and competence of staff.
    courtesy: Mapped[int] = mapped_column(sa.SmallInteger)
    #: Transparency of the cost.
    cost: Mapped[int] = mapped_column(sa.SmallInteger)
    overall: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str] = mapped_column(sa.String(MAX_COMMENT), default="")
    created_at: Mapped[datetime]
    #: When the current scores were given: the report counts a rating in this month.
    updated_at: Mapped[datetime] = mapped_column(index=True)

    def scores(self) -> dict[str, int]:
        return {c.name: getattr(self, c.name) for c in APPLICATION_CRITERIA}


class AppealRating(db.Model):
    """The consumer's rating of one answered appeal (a shorter one)."""

    __tablename__ = "appeal_ratings"
    __table_args__ = tuple(_score_checks(APPEAL_CRITERIA))

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(sa.ForeignKey("appeals.id", ondelete="CASCADE"), unique=True)
    consumer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    overall: Mapped[int] = mapped_column(sa.SmallInteger)
    timeliness: Mapped[int] = mapped_column(sa.SmallInteger)
    clarity: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str] = mapped_column(sa.String(MAX_COMMENT), default="")
    created_at: Mapped[datetime]
    #: When the current scores were given: the report counts a rating in this month.
    updated_at: Mapped[datetime] = mapped_column(index=True)

    def scores(self) -> dict[str, int]:
        return {c.name: getattr(self, c.name) for c in APPEAL_CRITERIA}
