import socket

import pytest
from aiosmtpd.controller import Controller


class Collector:
    def __init__(self):
        self.messages = []
        #: Called with each message as it arrives, before the server answers (a fault to inject).
        self.on_message = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        if self.on_message is not None:
            self.on_message(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    """A real SMTP server on loopback that can be stopped and started again."""

    def __init__(self, port: int):
        self.port = port
        self.collector = Collector()
        self.controller = None

    @property
    def messages(self):
        return self.collector.messages

    def start(self):
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(app):
    server = SmtpServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=3)
    yield server
    server.stop()
