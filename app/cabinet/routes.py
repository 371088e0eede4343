from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.audit.services import record
from app.auth.identifiers import IdentifierError, normalize_phone
from app.auth.privacy import recent_logins
from app.cabinet import bp
from app.cabinet.forms import ContactsForm, preferences_form
from app.core import signals
from app.core.clock import today
from app.core.forms import ActionForm
from app.core.limits import limit_submissions
from app.core.sections import render_sections
from app.extensions import db
from app.notifications.kinds import KINDS
from app.notifications.services import preferences, set_preferences
from app.privacy.services import current_consent


def _consumer_only():
    if current_user.is_staff:
        return redirect(url_for("office.dashboard"))
    return None


@bp.get("/cabinet")
@login_required
def home():
    if (r := _consumer_only()) is not None:
        return r
    # What has a deadline first, soonest first; then what has none (drafts).
    actions = sorted(signals.collect_all(signals.actions_due, current_user), key=lambda a: (a.due is None, a.due))
    return render_template(
        "cabinet/home.html",
        actions=actions,
        today=today(),
        sections=render_sections(signals.cabinet_sections, current_user),
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
@limit_submissions
def profile():
    if (r := _consumer_only()) is not None:
        return r
    user = current_user._get_current_object()
    contacts = ContactsForm(prefix="contacts", phone=user.phone)
    prefs = preferences_form(KINDS.values(), preferences(user))(prefix="prefs")
    if request.method == "POST" and request.form.get("section") == "contacts" and contacts.validate_on_submit():
        try:
            user.phone = normalize_phone(contacts.phone.data)
        except IdentifierError as exc:
            contacts.phone.errors.append(str(exc))
        else:
            record("profile.contacts_changed", user, fields="phone")
            db.session.commit()
            flash("Контактные данные сохранены.", "success")
            return redirect(url_for("cabinet.profile"))
    elif request.method == "POST" and request.form.get("section") == "preferences" and prefs.validate_on_submit():
        set_preferences(
            user, {k.code: bool(getattr(prefs, f"mail_{k.code}").data) for k in KINDS.values() if not k.always_mail}
        )
        record("profile.preferences_changed", user)
        db.session.commit()
        flash("Настройки уведомлений сохранены.", "success")
        return redirect(url_for("cabinet.profile"))
    return render_template(
        "cabinet/profile.html",
        user=user,
        contacts=contacts,
        prefs=prefs,
        kinds=KINDS,
        sections=render_sections(signals.profile_sections, user),
        logins=recent_logins(user),
        consent=current_consent(user),
        action_form=ActionForm(),
    )
