"""The company that runs the portal: its details and VAT (SPEC §4.7, §2.5)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from app.company import services
    from app.core import clock

    clock.use_zone_of(lambda: services.get_company().time_zone)
    app.extensions["lk.company"] = services.get_company  # core's PDFs print it
    app.context_processor(lambda: {"company": services.get_company()})


from app.company import office  # noqa: E402,F401
