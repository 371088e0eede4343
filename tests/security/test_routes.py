"""Walks every route the app registers (app.url_map) and checks, for each method:

- an anonymous visitor: public pages answer as declared, every other page sends to /login
  (and /office too);
- a consumer on /office: 403;
- a POST without a CSRF token: 400 with the Russian page, anonymous or logged in;
- another consumer's object behind an <int:…> parameter: 404 (tests/security/registry.py);
- an id beyond what any table issues, to whoever may open the route: 404, never an overflow;
- numbers no page reaches in the query string (page=10**30, '²'): never a 500;
- the security headers on every answer, no-store on every personal one.

A route added later is walked without anyone touching this file; a consumer route with an
integer parameter and no registered factory fails until one is registered."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from werkzeug.routing import IntegerConverter, Rule

from app import create_app
from app.core.security import CONTENT_SECURITY_POLICY, DOWNLOAD_CONTENT_SECURITY_POLICY
from tests.security.registry import OBJECT_FACTORIES, PUBLIC, SAMPLE_VALUES

#: A made-up id: access checks come before any object is looked up.
NO_SUCH_ID = 987654
#: Ids past PostgreSQL's INTEGER, SQLite's 64-bit integer, and far past both (issue 16).
IDS_BEYOND_ANY_TABLE = (2**31, 2**63, 10**30)
#: The query parameters pages read as numbers, each with a value no page or row reaches,
#: and with digits that are not ASCII ('²' passes str.isdigit() and fails int()).
_NUMBER_PARAMETERS = ("page", "v", "year", "consumer_id")
QUERY_NUMBERS = tuple(
    {**dict.fromkeys(_NUMBER_PARAMETERS, value), "object": f"users:{value}"}
    for value in (10**30, "²", "١٢", "２０２６")
)


def _routes() -> list[tuple[str, str, str]]:
    app = create_app("testing")
    return sorted(
        (rule.rule, rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


ROUTES = _routes()


def _ids(routes):
    return [f"{method} {path}" for path, _, method in routes]


def int_args(rule: Rule) -> list[str]:
    return [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]


def is_office(path: str) -> bool:
    return path == "/office" or path.startswith("/office/")


def rule_for(app, path: str, endpoint: str) -> Rule:
    return next(r for r in app.url_map.iter_rules() if r.rule == path and r.endpoint == endpoint)


def url_for_rule(app, path: str, endpoint: str, values: dict | None = None) -> str:
    rule = rule_for(app, path, endpoint)
    values = dict(values or {})
    for name in rule.arguments:
        if name in values:
            continue
        if name in int_args(rule):
            values[name] = NO_SUCH_ID
        elif name in SAMPLE_VALUES:
            values[name] = SAMPLE_VALUES[name]
        else:
            pytest.fail(f"{endpoint}: add a sample value for <{name}> to tests/security/registry.py SAMPLE_VALUES")
    return rule.build(values, append_unknown=False)[1]


def call(client, method: str, url: str, *, csrf: bool = True):
    if method == "GET":
        return client.get(url)
    return client.submit(url, {}, csrf=csrf)


def check_headers(response, *, personal: bool) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy")
    assert csp in (CONTENT_SECURITY_POLICY, DOWNLOAD_CONTENT_SECURITY_POLICY), f"CSP: {csp}"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "same-origin"
    assert headers.get("X-Frame-Options") == "DENY"
    if personal and response.request.path.split("/")[1] != "static":
        assert headers.get("Cache-Control") == "no-store", f"personal answer cached: {headers.get('Cache-Control')}"
    response.close()


def check_query_numbers(c, url: str) -> None:
    for query in QUERY_NUMBERS:
        response = c.get(f"{url}?{urlencode(query)}")
        assert response.status_code < 500, f"GET {url} with {query}: {response.status_code}"
        response.close()


def goes_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_walker_sees_every_route():
    """Guards the walker itself; the count is in the report of the security issue."""
    assert len(ROUTES) >= 60
    assert {"auth.login", "cabinet.profile", "office.audit.log", "notifications.read_notification"} <= {
        e for _, e, _ in ROUTES
    }


@pytest.mark.parametrize("path, endpoint, method", ROUTES, ids=_ids(ROUTES))
def test_route(app, client, make_user, login, path, endpoint, method):
    """Every check that applies to this route, in one app (one route, one test: the
    walker stays fast as features add routes)."""
    check_anonymous(app, client, path, endpoint, method)
    consumer = make_user("consumer")
    consumer_client = app.test_client()
    login(consumer, c=consumer_client)
    if method == "POST":
        check_csrf(app, client, consumer_client, path, endpoint)
    if is_office(path):
        check_consumer_refused(app, consumer_client, path, endpoint, method)
        if (method == "GET" and "<" not in path) or "<int:" in path:
            admin_client = app.test_client()
            login(make_user("admin"), c=admin_client)
            if "<int:" in path:
                check_ids_beyond_any_table(app, admin_client, path, endpoint, method)
            else:
                check_admin_gets_in(app, admin_client, path, endpoint)
    elif endpoint not in PUBLIC:
        if "<int:" in path:
            check_ids_beyond_any_table(app, consumer_client, path, endpoint, method)
            check_other_consumers_object(app, consumer, consumer_client, make_user, path, endpoint, method)
        elif method == "GET" and "<" not in path:
            response = consumer_client.get(url_for_rule(app, path, endpoint))
            assert response.status_code < 500, f"GET {path} as a consumer: {response.status_code}"
            check_headers(response, personal=True)
            check_query_numbers(consumer_client, url_for_rule(app, path, endpoint))


def check_anonymous(app, client, path, endpoint, method):
    response = call(client, method, url_for_rule(app, path, endpoint))
    if is_office(path):
        assert goes_to_login(response), f"anonymous {method} {path}: {response.status_code}, expected /login"
    elif endpoint in PUBLIC:
        expected = PUBLIC[endpoint] if method == "GET" else None
        if expected is not None:
            assert response.status_code == expected, f"{method} {path}: {response.status_code}, declared {expected}"
        assert response.status_code < 500, f"anonymous {method} {path}: {response.status_code}"
        if method == "GET" and "<" not in path:
            check_query_numbers(client, url_for_rule(app, path, endpoint))
    else:
        assert goes_to_login(response), (
            f"{method} {path} answers an anonymous visitor {response.status_code}: protect it with login_required, "
            "or declare it public in tests/security/registry.py"
        )
    check_headers(response, personal=False)


def check_csrf(app, client, consumer_client, path, endpoint):
    for c in (client, consumer_client):
        response = call(c, "POST", url_for_rule(app, path, endpoint), csrf=False)
        assert response.status_code == 400, f"POST {path} without a CSRF token: {response.status_code}"
        assert "Форма устарела" in response.get_data(as_text=True)
        check_headers(response, personal=c is consumer_client)


def check_consumer_refused(app, consumer_client, path, endpoint, method):
    response = call(consumer_client, method, url_for_rule(app, path, endpoint))
    assert response.status_code == 403, f"a consumer's {method} {path}: {response.status_code}, expected 403"
    assert "Доступ запрещён" in response.get_data(as_text=True)
    check_headers(response, personal=True)


def check_admin_gets_in(app, admin_client, path, endpoint):
    response = admin_client.get(url_for_rule(app, path, endpoint))
    assert response.status_code == 200, f"an admin's GET {path}: {response.status_code}"
    check_headers(response, personal=True)
    check_query_numbers(admin_client, url_for_rule(app, path, endpoint))


def check_ids_beyond_any_table(app, c, path, endpoint, method):
    """Each integer parameter in turn past every table's range, to someone the route admits:
    404 (the URL converter's bound), not an overflow in the database driver."""
    for name in int_args(rule_for(app, path, endpoint)):
        for huge in IDS_BEYOND_ANY_TABLE:
            response = call(c, method, url_for_rule(app, path, endpoint, {name: huge}))
            assert response.status_code == 404, f"{method} {path} with <{name}> = {huge}: {response.status_code}"
            check_headers(response, personal=True)


def check_other_consumers_object(app, consumer, consumer_client, make_user, path, endpoint, method):
    factory = OBJECT_FACTORIES.get(endpoint)
    if factory is None:
        pytest.fail(
            f"{endpoint} takes an integer id: register a factory for it in tests/security/registry.py "
            "(@object_factory), so the walker can check that another consumer's object answers 404"
        )
    theirs = factory(make_user("consumer"))
    response = call(consumer_client, method, url_for_rule(app, path, endpoint, theirs))
    assert response.status_code == 404, f"{method} {path} with another consumer's object: {response.status_code}"
    check_headers(response, personal=True)
    mine = factory(consumer)
    response = call(consumer_client, method, url_for_rule(app, path, endpoint, mine))
    assert response.status_code != 404, f"{method} {path}: the factory's object for its owner is not found either"
    check_headers(response, personal=True)


# --- the walker fails where it must ------------------------------------------------------------


@pytest.fixture
def careless_app(app):
    """Routes a careless feature might add."""
    from flask_login import login_required

    @app.get("/careless/open")
    def careless_open():
        return "personal data for anyone"

    @app.get("/careless/things/<int:thing_id>")
    @login_required
    def careless_thing(thing_id):
        return f"thing {thing_id} of whoever"

    return app


def test_the_walker_catches_an_unprotected_page(careless_app, client):
    with pytest.raises(AssertionError, match="protect it with login_required"):
        check_anonymous(careless_app, client, "/careless/open", "careless_open", "GET")


def test_the_walker_demands_a_factory_for_integer_ids(careless_app, consumer, consumer_client, make_user):
    with pytest.raises(pytest.fail.Exception, match="register a factory"):
        check_other_consumers_object(
            careless_app,
            consumer,
            consumer_client,
            make_user,
            "/careless/things/<int:thing_id>",
            "careless_thing",
            "GET",
        )
