"""A simulated person's browser for `bench mixed`: cookies, its own client address (sent as
X-Forwarded-For, which the portal reads with TRUSTED_PROXIES=1), the forms of a page as a
browser would submit them, multipart uploads, and every request timed under its kind."""

from __future__ import annotations

import gzip
import http.client
import secrets
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

USER_AGENT = "Mozilla/5.0 (lk-bench mixed)"
#: A request that takes longer is reported as failed (gunicorn's own timeout is 60 s).
TIMEOUT = 90
#: The response header naming the app server that answered, set by the cluster's nginx.
UPSTREAM_HEADER = "X-Lk-Upstream"


@dataclass
class Sample:
    kind: str
    write: bool
    status: int
    ms: float
    #: When it was sent (time.monotonic()), and the app server that answered it when a proxy
    #: in front says so (X-Lk-Upstream: the loopback cluster's nginx, deploy/cluster.py).
    at: float = 0.0
    upstream: str = ""


@dataclass
class Recorder:
    """Every request of the run, by kind; anything unexpected with what it was."""

    samples: list[Sample] = field(default_factory=list)
    #: (kind, what happened): an unexpected status, a form refused, a mail not received.
    problems: list[tuple[str, str]] = field(default_factory=list)
    #: (kind, "POST /applications/<id>/reply: 500") of every answer 5xx.
    server_errors: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def problem(self, kind: str, text: str) -> None:
        with self.lock:
            self.problems.append((kind, text[:300]))

    def server_error(self, kind: str, text: str) -> None:
        with self.lock:
            self.server_errors.append((kind, text))


@dataclass
class Response:
    status: int
    path: str
    location: str
    body: bytes
    ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def redirect_path(self) -> str:
        """The path (and fragment) a redirect points at, relative to the site."""
        parts = urlsplit(self.location)
        return (
            parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
        )


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    #: The successful controls with their current values, in document order (as a browser
    #: sends them): checked boxes and radios only, the selected option of a select.
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: Submit buttons: (name, value); only the one pressed is sent.
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in self.fields:
            out.setdefault(name, value)
        return out


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: list | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                a.get("action", ""),
                (a.get("method") or "get").lower(),
                a.get("enctype", "application/x-www-form-urlencoded"),
            )
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind == "file":
                form.files.append(name)
            elif kind in ("submit", "image", "button"):
                form.buttons.append((name, a.get("value", "")))
            elif kind != "reset":
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name and (a.get("type") or "submit") == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, []]
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[1].append((value if value is not None else "".join(text).strip(), selected))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options = self._select
            chosen = next((v for v, s in options if s), options[0][0] if options else None)
            if chosen is not None:
                self._form.fields.append((name, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            self._form.fields.append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_ending(html: str, suffix: str) -> Form | None:
    """The page's form whose action path ends with `suffix` ("/offer", "/register")."""
    for form in forms_of(html):
        if urlsplit(form.action).path.endswith(suffix):
            return form
    return None


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "lkbench" + secrets.token_hex(12)
    out = []
    for name, value in fields:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.append(value.encode() + b"\r\n")
    for name, filename, data, content_type in files:
        out.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        out.append(data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One person's browser. Not shared between threads."""

    def __init__(self, host: str, port: int, address: str, recorder: Recorder):
        self.host, self.port, self.address, self.recorder = host, port, address, recorder
        self.cookies: dict[str, str] = {}

    def _store_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                expired = morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"])
                if expired or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(
        self, method: str, path: str, kind: str, *, body: bytes | None = None, content_type: str | None = None
    ) -> Response:
        headers = {
            "User-Agent": USER_AGENT,
            "X-Forwarded-For": self.address,
            "Accept-Encoding": "gzip",
            "Accept": "text/html",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type or "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{self.host}:{self.port}"
        at, started = time.monotonic(), time.perf_counter()
        upstream = ""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            data = raw.read()
            status = raw.status
            location = raw.getheader("Location") or ""
            upstream = raw.getheader(UPSTREAM_HEADER) or ""
            if raw.getheader("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            self._store_cookies(raw.headers.get_all("Set-Cookie") or [])
        except (OSError, http.client.HTTPException) as exc:
            # No answer within TIMEOUT, or the connection failed or was closed: counted as 5xx.
            status, location, data = 599, "", f"{type(exc).__name__}: {exc}".encode()
        finally:
            conn.close()
        ms = (time.perf_counter() - started) * 1000
        self.recorder.add(Sample(kind, method == "POST", status, ms, at, upstream))
        if status >= 500:
            what = f" (no answer: {data.decode()[:80]})" if status == 599 else ""
            via = f" via {upstream}" if upstream else ""
            self.recorder.server_error(kind, f"{method} {_pattern(path)}: {status}{what}{via}")
        return Response(status, path, location, data, ms)

    def get(self, path: str, kind: str) -> Response:
        return self.request("GET", path, kind)

    def submit(
        self,
        form: Form,
        kind: str,
        changes: dict[str, str] | None = None,
        files: list[tuple[str, str, bytes, str]] = (),
        button: tuple[str, str] | None = None,
        page: str = "/",
    ) -> Response:
        """Post `form` as a browser would: its current values, `changes` typed over them,
        `files` chosen in its file inputs, `button` pressed (none: the default one)."""
        changes = dict(changes or {})
        fields = []
        for name, value in form.fields:
            if name in changes:
                value = changes.pop(name)
                if value is None:
                    continue
            fields.append((name, value))
        fields += [(k, v) for k, v in changes.items() if v is not None]
        if button is not None:
            fields.append(button)
        action = urljoin(page, form.action) if form.action else page
        if form.enctype == "multipart/form-data" or files:
            body, content_type = _multipart(fields, list(files))
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        return self.request(
            "POST",
            urlsplit(action).path + (f"?{urlsplit(action).query}" if urlsplit(action).query else ""),
            kind,
            body=body,
            content_type=content_type,
        )

    def follow(self, response: Response, kind: str) -> Response:
        return self.get(response.redirect_path.split("#", 1)[0], kind)


def _pattern(path: str) -> str:
    """/applications/123/reply → /applications/<id>/reply: the log of problems names no object."""
    return "/".join("<id>" if part.isdigit() else part for part in path.split("?", 1)[0].split("/"))
