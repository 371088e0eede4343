"""Pieces of the loopback cluster (deploy/cluster.py) that need no cluster; `make cluster-test`
runs the whole (deploy/cluster_check.py)."""

import os
import subprocess
import sys

from deploy.cluster import ROOT, _host_env


def test_the_poll_interval_comes_from_the_environment():
    """The cluster test's servers poll every 2 s, as the journeys expect of a live server."""
    code = "import config; print(config.Config.POLL_SECONDS)"
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "", "POLL_SECONDS": "2"},
    )
    assert run.stdout.strip() == "2"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={})
    assert run.stdout.strip() == "20"


def test_a_host_gets_nothing_of_this_shell_that_would_point_it_elsewhere(monkeypatch):
    for name, value in (
        ("DATABASE_URL", "sqlite:///x"),
        ("MAIL_SERVER", "smtp.example.ru"),
        ("SECRET_KEY", "k"),
        ("UPLOAD_DIR", "/x"),
        ("LK_INSTANCE_DIR", "/x"),
        ("FLASK_CONFIG", "development"),
    ):
        monkeypatch.setenv(name, value)
    env = _host_env({"FLASK_CONFIG": "production"})
    assert env["FLASK_CONFIG"] == "production"
    assert not {"DATABASE_URL", "MAIL_SERVER", "SECRET_KEY", "UPLOAD_DIR", "LK_INSTANCE_DIR"} & set(env)
    assert env["PATH"] == os.environ["PATH"]


def test_each_host_has_a_gunicorn_control_socket_of_its_own(tmp_path):
    """gunicorn's control socket defaults to one per user ($HOME/.gunicorn/gunicorn.ctl): two
    hosts on one machine took it from each other. Each is in its host's own folder."""
    from deploy.cluster import AppServer

    hosts = [AppServer(n, tmp_path / f"server-{n}", {}, 60) for n in (1, 2)]
    sockets = [host.env["GUNICORN_CMD_ARGS"].removeprefix("--control-socket ") for host in hosts]
    assert sockets[0] != sockets[1]
    for host, path in zip(hosts, sockets, strict=True):
        assert host.env["GUNICORN_CMD_ARGS"].startswith("--control-socket ")
        assert os.path.dirname(path) == str(host.folder)
