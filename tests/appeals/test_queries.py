"""The office queue's filters, cleaned from its GET parameters."""

from werkzeug.datastructures import MultiDict

from app.appeals.queries import QueueFilters


def test_queue_filters_from_args():
    f = QueueFilters.from_args(MultiDict())
    assert f.status == "open" and f.sort == "due" and f.as_args() == {"status": "open"}
    f = QueueFilters.from_args(MultiDict({"q": "Иванова", "kind": "complaint", "topic": "bogus", "overdue": "y"}))
    assert f.status == "all", "a search looks in every status"
    assert f.kind == "complaint" and f.topic == "" and f.overdue and not f.mine
    assert QueueFilters.from_args(MultiDict({"status": "'; drop"})).status == "open"
