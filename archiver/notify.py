"""Tell a web team that a run found new violations: a JSON webhook and/or an e-mail.

Both are retried with exponential back-off when the network fails them (a
refused connection, a timeout, a non-2xx answer, an SMTP error); a notification
that still fails is logged as an error and never fails the run (the reports are
already written). Anything else is a bug: it is raised at once, not retried.
"""

from __future__ import annotations

import os
import smtplib
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import httpx
from loguru import logger

from archiver.check.tracking import TrackingResult
from archiver.config import NotifySettings


def payload(result: TrackingResult, reports: list[str], viewer_url: str = "") -> dict[str, Any]:
    """The JSON body of the webhook: counts, the new violations and where the reports are."""
    new = result.having("new")
    return {
        "event": "new_violations",
        "site": result.site,
        "run": result.run_id,
        "previous_run": result.previous_run_id,
        "counts": result.counts,
        "new": [
            {
                "rule": f.rule,
                "severity": f.severity,
                "url": f.url,
                "message": f.violation.get("message", ""),
                "fingerprint": f.fingerprint,
            }
            for f in new
        ],
        "reports": reports,
        "viewer_url": viewer_url or None,
    }


# What a network can do to a notification: httpx's transport and status errors, SMTP's
# refusals, and the socket errors (refused, reset, timed out) both libraries let through.
NETWORK_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, smtplib.SMTPException, OSError)


def _retry(what: str, attempt: Callable[[], None], retries: int, backoff: float) -> bool:
    for n in range(retries + 1):
        try:
            attempt()
            return True
        except NETWORK_ERRORS as exc:
            if n == retries:
                logger.error("{} failed after {} attempt(s): {}", what, n + 1, exc)
                return False
            delay = backoff * 2**n
            logger.warning("{} failed ({}); retrying in {:.1f}s", what, exc, delay)
            time.sleep(delay)
    return False


def send_webhook(settings: NotifySettings, body: dict[str, Any], *, backoff: float = 1.0) -> bool:
    """POST `body` as JSON; a 2xx answer is success, anything else is retried."""

    def attempt() -> None:
        response = httpx.post(settings.webhook_url, json=body, timeout=settings.timeout)
        response.raise_for_status()

    return _retry(f"webhook {settings.webhook_url}", attempt, settings.retries, backoff)


def email_text(body: dict[str, Any]) -> tuple[str, str]:
    """Subject and plain-text body of the notification e-mail."""
    new = body["new"]
    subject = f"[archiver] {body['site']}: {len(new)} new violation(s) in run {body['run']}"
    lines = [
        f"Run {body['run']} of {body['site']} found {len(new)} new violation(s)"
        + (f" since run {body['previous_run']}." if body["previous_run"] else "."),
        "",
    ]
    lines += [f"- {v['severity']} {v['rule']}: {v['message']}\n  {v['url']}" for v in new]
    counts = body["counts"]
    lines += [
        "",
        ", ".join(f"{counts.get(s, 0)} {s}" for s in ("persisting", "fixed", "disappeared")),
    ]
    if body["reports"]:
        lines += ["", "Reports:", *body["reports"]]
    return subject, "\n".join(lines) + "\n"


def send_email(settings: NotifySettings, body: dict[str, Any], *, backoff: float = 1.0) -> bool:
    """Send the notification e-mail over SMTP (STARTTLS and login when configured)."""
    subject, text = email_text(body)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.email_from
    message["To"] = ", ".join(settings.email_to)
    message.set_content(text)

    def attempt() -> None:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, os.environ.get(settings.smtp_password_env, ""))
            smtp.send_message(message)

    return _retry(f"e-mail via {settings.smtp_host}", attempt, settings.retries, backoff)


def notify(
    settings: NotifySettings,
    result: TrackingResult,
    reports: list[str],
    viewer_url: str = "",
    *,
    backoff: float = 1.0,
) -> dict[str, bool]:
    """Send the configured notifications when the run found new violations.

    Returns what was attempted and whether it got through.
    """
    if not result.having("new"):
        return {}
    body = payload(result, reports, viewer_url)
    sent: dict[str, bool] = {}
    if settings.webhook_url:
        sent["webhook"] = send_webhook(settings, body, backoff=backoff)
    if settings.smtp_host and settings.email_to:
        sent["email"] = send_email(settings, body, backoff=backoff)
    return sent
