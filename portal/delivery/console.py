"""Development and demo backend: messages go to ``instance/outbox.txt`` and the terminal.

The recipient is masked even here; the link is shown in full because the demo needs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import current_app

from ..timeutil import utcnow
from . import Message


def outbox_path() -> Path:
    return Path(current_app.instance_path) / "outbox.txt"


def mask(contact: str) -> str:
    """Enough of a contact detail to tell two apart on screen, not enough to use it."""
    if "@" in contact:
        local, _, domain = contact.partition("@")
        return f"{local[:1]}…@{domain}"
    return f"{contact[:3]}…{contact[-2:]}"


def send(message: Message) -> None:
    block = (
        f"--- {utcnow():%Y-%m-%d %H:%M:%S} UTC {message.channel} to {mask(message.to)}\n"
        + (f"Subject: {message.subject}\n" if message.channel == "email" else "")
        + message.text
        + "\n"
    )
    path = outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as outbox:
        outbox.write(block)
    if current_app.config["ENV"] == "development":
        print(block, file=sys.stderr)  # the demo's outbox is the terminal
