"""The consumer's ratings: rate a submitted application or an answered appeal (and change
the rating later), and «мои оценки». Another consumer's object, or a draft, is 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.core.limits import limit_submissions
from app.extensions import db
from app.ratings import bp, services
from app.ratings.forms import AppealRatingForm, ApplicationRatingForm
from app.ratings.services import RatingError


def _staff_to_office():
    if current_user.is_staff:
        return redirect(url_for("office.dashboard"))
    return None


@bp.route("/applications/<int:application_id>/rating", methods=["GET", "POST"])
@login_required
@limit_submissions
def rate_application(application_id: int):
    if (r := _staff_to_office()) is not None:
        return r
    application = services.get_own_application(application_id, current_user)
    if application is None:
        abort(404)
    rating = services.application_rating(application)
    form = ApplicationRatingForm()
    if not form.is_submitted() and rating is not None:
        form.fill_from(rating)
    if form.validate_on_submit():
        try:
            services.rate_application(
                application, current_user._get_current_object(), form.scores(), form.comment.data or ""
            )
        except RatingError as exc:
            db.session.rollback()
            form.comment.errors = [*form.comment.errors, str(exc)]
        else:
            db.session.commit()
            flash(f"Спасибо! Оценка заявки {application.number} {'изменена' if rating else 'сохранена'}.", "success")
            return redirect(url_for("ratings.my_ratings"))
    return render_template("ratings/rate_application.html", application=application, rating=rating, form=form)


@bp.route("/appeals/<int:appeal_id>/rating", methods=["GET", "POST"])
@login_required
@limit_submissions
def rate_appeal(appeal_id: int):
    if (r := _staff_to_office()) is not None:
        return r
    appeal = services.get_own_appeal(appeal_id, current_user)
    if appeal is None:
        abort(404)
    if not services.can_rate_appeal(appeal):
        flash("Оценить рассмотрение обращения можно после того, как на него будет дан ответ.", "warning")
        return redirect(url_for("appeals.show_appeal", appeal_id=appeal.id))
    rating = services.appeal_rating(appeal)
    form = AppealRatingForm()
    if not form.is_submitted() and rating is not None:
        form.fill_from(rating)
    if form.validate_on_submit():
        try:
            services.rate_appeal(appeal, current_user._get_current_object(), form.scores(), form.comment.data or "")
        except RatingError as exc:
            db.session.rollback()
            form.comment.errors = [*form.comment.errors, str(exc)]
        else:
            db.session.commit()
            flash(
                f"Спасибо! Оценка ответа на обращение {appeal.number} {'изменена' if rating else 'сохранена'}.",
                "success",
            )
            return redirect(url_for("ratings.my_ratings"))
    return render_template("ratings/rate_appeal.html", appeal=appeal, rating=rating, form=form)


@bp.get("/ratings")
@login_required
def my_ratings():
    """My submitted applications and answered appeals, with my rating or an invitation (two
    queries, whatever the number of rows)."""
    if current_user.is_staff:
        return redirect(url_for("office.ratings.report"))
    limit = services.MY_LIST_LIMIT
    applications = services.my_applications(current_user, limit)
    appeals = services.my_appeals(current_user, limit)
    return render_template(
        "ratings/my_ratings.html",
        applications=applications[:limit],
        appeals=appeals[:limit],
        more=len(applications) > limit or len(appeals) > limit,
        limit=limit,
    )
