"""The nginx site file (deploy/nginx/lk-site.conf) as the loopback cluster includes it, in
front of this test's app: static files from disk, forms accepted through it (the Host it
passes carries the port), its own refusals in Russian."""

import http.client
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from deploy.cluster import ROOT, Nginx, free_port


@pytest.fixture
def behind_nginx(app, tmp_path):
    """(nginx's port, the app server's port): the app on a loopback port, nginx in front."""
    if not shutil.which("nginx"):
        pytest.skip("needs nginx (apt-get install nginx; CI has it)")
    app.config["TRUSTED_PROXIES"] = 1
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    nginx = Nginx(tmp_path / "nginx", [f"127.0.0.1:{server.server_port}"])
    nginx.start()
    yield nginx.port, server.server_port
    nginx.stop()
    server.shutdown()
    thread.join(5)


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_static_files_come_from_disk_with_a_long_cache(behind_nginx):
    port, _ = behind_nginx
    response, body = _request(port, "GET", "/static/app.css")
    assert response.status == 200 and body == (ROOT / "app" / "static" / "app.css").read_bytes()
    assert "immutable" in ",".join(response.headers.get_all("Cache-Control"))
    assert response.getheader("X-Lk-Upstream") is None, "nginx answered it, no app server"


def test_a_form_posted_through_nginx_passes_the_origin_check(behind_nginx):
    """The browser's Origin names the port it connected to; nginx passes the Host with it."""
    port, _ = behind_nginx
    page, body = _request(port, "GET", "/register")
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    token = body.decode().split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response, answer = _request(
        port,
        "POST",
        "/register",
        body=f"csrf_token={token}&email=x",
        headers={
            "Origin": f"http://127.0.0.1:{port}",
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status == 200, answer.decode()[:300]
    assert "Ошибка" in answer.decode(), "the form with its errors, not a refused origin"


def test_an_upload_over_32_mb_is_refused_in_russian(behind_nginx):
    port, _ = behind_nginx
    response, body = _request(
        port, "POST", "/register", body=b"x" * (33 * 1024 * 1024), headers={"Content-Type": "application/octet-stream"}
    )
    assert response.status == 413 and "Файл слишком большой" in body.decode()


def test_no_app_server_answers_in_russian(app, tmp_path):
    if not shutil.which("nginx"):
        pytest.skip("needs nginx (apt-get install nginx; CI has it)")
    nginx = Nginx(tmp_path / "nginx", [f"127.0.0.1:{free_port()}"])  # nothing listens there
    nginx.start()
    try:
        response, body = _request(nginx.port, "GET", "/")
    finally:
        nginx.stop()
    assert response.status == 502 and "Сервис временно недоступен" in body.decode()
    assert response.getheader("Retry-After") == "30"


def test_the_production_site_passes_nginx_t(tmp_path):
    """deploy/nginx/lk.conf as docs/deploy.md installs it, its paths pointed at this checkout
    and a throw-away certificate: nginx accepts it."""
    import subprocess

    if not (shutil.which("nginx") and shutil.which("openssl")):
        pytest.skip("needs nginx and openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=lk.example.ru",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    site = (ROOT / "deploy" / "nginx" / "lk.conf").read_text(encoding="utf-8")
    site = (
        site.replace("/etc/letsencrypt/live/lk.example.ru/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/lk.example.ru/privkey.pem", str(key))
        .replace("/srv/lk/app", str(ROOT))
    )
    (tmp_path / "lk.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; include {tmp_path}/lk.conf; }}\n",
        encoding="utf-8",
    )
    check = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
