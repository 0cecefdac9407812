"""Notifications reach a webhook and an SMTP server on 127.0.0.1, with retries."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from loguru import logger

from archiver.config import NotifySettings
from archiver.notify import notify, send_webhook
from tests.pipeline.helpers import TwoRuns


class _Hook:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.failures > 0:
                    hook.failures -= 1
                    self.send_response(503)
                else:
                    hook.bodies.append(json.loads(body))
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook() -> Iterator[_Hook]:
    receiver = _Hook(failures=2)
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def test_webhook_is_retried_until_it_gets_through(runs: TwoRuns, hook: _Hook) -> None:
    settings = NotifySettings(webhook_url=hook.url, retries=3)
    sent = notify(settings, runs.second.tracking, ["reports/demo/run-2.html"], backoff=0.05)
    assert sent == {"webhook": True}
    [body] = hook.bodies
    assert body["event"] == "new_violations" and body["run"] == runs.second.run_id
    assert [v["rule"] for v in body["new"]] == ["photo-credits"]
    assert body["counts"]["fixed"] == 2


def test_webhook_gives_up_after_its_retries(runs: TwoRuns) -> None:
    receiver = _Hook(failures=10)
    try:
        settings = NotifySettings(webhook_url=receiver.url, retries=1)
        assert notify(settings, runs.second.tracking, [], backoff=0.05) == {"webhook": False}
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_email_reaches_the_smtp_server(runs: TwoRuns) -> None:
    inbox = _Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=port, email_to=("web@x.test",))
        assert notify(settings, runs.second.tracking, []) == {"email": True}
    finally:
        controller.stop()
    [message] = inbox.messages
    assert message.rcpt_tos == ["web@x.test"]
    text = message.content.decode()
    assert "1 new violation(s) in run 2" in text and "minister-opens-school-in-bodo" in text


def test_no_notification_without_new_violations(runs: TwoRuns, hook: _Hook) -> None:
    quiet = replace(runs.second.tracking, findings=runs.second.tracking.having("persisting"))
    assert notify(NotifySettings(webhook_url=hook.url), quiet, []) == {}
    assert hook.bodies == []


def test_a_refused_connection_is_retried_then_given_up(runs: TwoRuns) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the block ends: connections are refused
    settings = NotifySettings(webhook_url=f"http://127.0.0.1:{port}/hook", retries=2)
    logged: list[str] = []
    sink = logger.add(logged.append, format="{level} {message}")
    try:
        assert notify(settings, runs.second.tracking, [], backoff=0.01) == {"webhook": False}
    finally:
        logger.remove(sink)
    assert sum("retrying" in line for line in logged) == 2
    assert any(line.startswith("ERROR") and "after 3 attempt(s)" in line for line in logged)


def test_a_programming_error_is_raised_not_retried_as_a_network_error(hook: _Hook) -> None:
    settings = NotifySettings(webhook_url=hook.url, retries=3)
    hook.failures = 0
    # A body that cannot be encoded is our bug, not the network's: one attempt, no request.
    with pytest.raises(TypeError):
        send_webhook(settings, {"when": object()}, backoff=0.01)
    assert hook.bodies == []
