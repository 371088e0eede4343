"""Rating forms: one radio group (1–5) per criterion, named after the model's columns
(ease, clarity, deadlines, courtesy, cost, overall; for an appeal overall, timeliness,
clarity), and an optional `comment`."""

from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.validators import Length, StopValidation

from app.core.forms import BaseForm, choices
from app.ratings.models import APPEAL_CRITERIA, APPLICATION_CRITERIA, MAX_COMMENT, SCORE_LABELS, Criterion

SCORE_VALUES = {str(n) for n in SCORE_LABELS}


def _lf(value):
    """Browsers send CRLF line breaks but count each as one character (maxlength)."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class ScoreField(RadioField):
    """A score 1–5. Anything else (missing, 0, 6, «abc») is a Russian message next to the
    field, never an exception: the value stays a string until the form is valid."""

    def __init__(self, criterion: Criterion, **kwargs):
        self.criterion = criterion
        super().__init__(
            criterion.label,
            choices=choices((str(n), f"{n} — {text}") for n, text in SCORE_LABELS.items()),
            validate_choice=False,
            description=criterion.hint,
            **kwargs,
        )

    def pre_validate(self, form) -> None:
        if self.data not in SCORE_VALUES:
            raise StopValidation(f"{self.criterion.label}: выберите оценку от 1 до 5.")

    @property
    def score(self) -> int:
        return int(self.data)


def _comment_field() -> TextAreaField:
    return TextAreaField(
        "Комментарий (необязательно)",
        filters=[_lf],
        validators=[Length(max=MAX_COMMENT, message=f"Комментарий не должен быть длиннее {MAX_COMMENT} символов.")],
    )


class _RatingForm(BaseForm):
    criteria: tuple[Criterion, ...] = ()

    def score_fields(self) -> list[ScoreField]:
        return [getattr(self, c.name) for c in self.criteria]

    def scores(self) -> dict[str, int]:
        return {c.name: getattr(self, c.name).score for c in self.criteria}

    def fill_from(self, rating) -> None:
        """Show a saved rating in the form (GET)."""
        for c in self.criteria:
            getattr(self, c.name).data = str(getattr(rating, c.name))
        self.comment.data = rating.comment


def _with_scores(name: str, criteria: tuple[Criterion, ...]) -> type[_RatingForm]:
    """A form class with a ScoreField per criterion, in the criteria's order, before the comment."""
    fields = {c.name: ScoreField(c) for c in criteria}
    fields["comment"] = _comment_field()  # WTForms orders fields by creation: the comment comes last
    return type(name, (_RatingForm,), {"criteria": criteria, **fields})


ApplicationRatingForm = _with_scores("ApplicationRatingForm", APPLICATION_CRITERIA)
AppealRatingForm = _with_scores("AppealRatingForm", APPEAL_CRITERIA)
