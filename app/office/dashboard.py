"""Widgets features add to the office dashboard: what is due today and what is overdue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask


@dataclass(frozen=True)
class DashboardWidget:
    template: str
    context: Callable[[], dict]
    order: int = 50


def add_dashboard_widget(app: Flask, widget: DashboardWidget) -> None:
    widgets = app.extensions.setdefault("lk.office_widgets", [])
    widgets.append(widget)
    widgets.sort(key=lambda w: w.order)
