"""Count the SQL statements a block runs: list pages must run a fixed number."""

from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db

#: Read once per process now and then, not by each page (app.company.services.get_company):
#: whether a page's count includes it depends only on what ran before.
CACHED_TABLES = ("company_settings",)


@contextmanager
def count_queries(ignore: tuple[str, ...] = CACHED_TABLES):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            return
        if any(f"FROM {table}" in statement for table in ignore):
            return
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
