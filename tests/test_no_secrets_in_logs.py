"""No token, contact detail, free-text answer or staff secret in any log line.

Runs the journeys with every logger at DEBUG (ours, Flask's, SQLAlchemy's, the SMTP and HTTP
clients') and searches everything that was logged, tracebacks included.
"""

from __future__ import annotations

import logging
import uuid
from email import message_from_bytes, policy

import pytest

from .conftest import EIGHTEEN_MONTHS, STAFF_PASSWORD, Parent, Staff, make_staff
from .test_staff_invite import invite, token_in

#: Loggers of the servers tests start in-process (they stand for the SMS gateway and the mail
#: server, which see contact details by their nature); everything else is the portal's process.
TEST_SERVER_LOGGERS = ("mail.log", "asyncio")


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(TEST_SERVER_LOGGERS):
            return
        self.lines.append(self.format(record))
        # The raw parts too, in case a handler elsewhere formats them differently.
        self.lines.append(repr(record.msg) + repr(record.args))


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture):
    handler = Everything()
    root = logging.getLogger()
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        if isinstance(logging.root.manager.loggerDict[name], logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def test_journeys_log_no_token_contact_or_free_text(app, staff_as, sms_gateway, smtp_server,
                                                   captured):
    marker = uuid.uuid4().hex[:8]
    phone_local, phone_e164 = "29 87 65 43", "+4529876543"
    email = f"familie.{marker}@example.dk"
    free_text = f"Zebrahesten Ølstykke {marker} سلام"

    staff = staff_as("health_visitor")
    # An invitation by SMS and one by e-mail, through the loopback servers.
    assert invite(staff, "sms", phone=phone_local).status_code == 303
    sms_token = token_in(sms_gateway.requests[-1]["json"]["message"])
    assert invite(staff, "email", email=email).status_code == 303
    mail = message_from_bytes(smtp_server.messages[-1].content, policy=policy.default)
    mail_token = token_in(mail.get_content())
    # A failing delivery of each kind.
    sms_gateway.status = 500
    assert invite(staff, "sms", phone="29 87 65 44").status_code == 303
    smtp_server.refuse.add(f"refused.{marker}@example.dk")
    assert invite(staff, "email", email=f"refused.{marker}@example.dk").status_code == 303
    assert "delivery of invitation" in "\n".join(captured.lines)  # the failure was logged

    # The parent's path with the e-mailed link, free text in the last page.
    parent = Parent(app.test_client())
    parent.start(mail_token)
    for number, answers in enumerate(EIGHTEEN_MONTHS[:-1], start=1):
        assert parent.answer(number, answers).status_code == 200
    last = {**EIGHTEEN_MONTHS[-1], "comments": free_text}
    parent.answer(len(EIGHTEEN_MONTHS), last, action="submit")
    assert parent.client.get("/s/thanks").status_code == 200
    # A mangled link too: tokens in error paths are no different.
    Parent(app.test_client()).open(sms_token[:-3] + "xyz")

    # And a staff login with a wrong password, a wrong code and a right one.
    _, staff_email = make_staff(app, "coordinator")
    Staff(app.test_client()).login(staff_email, "wrong password")
    other = Staff(app.test_client())
    other.get("/staff/login")
    other.post("/staff/login", {"email": staff_email, "password": STAFF_PASSWORD})
    other.get("/staff/mfa")
    other.post("/staff/mfa", {"code": "123456"})
    assert Staff(app.test_client()).login(staff_email).status_code == 303

    text = "\n".join(captured.lines)
    assert len(captured.lines) > 10, "nothing was captured: the test would prove nothing"
    secrets = {
        "SMS token": sms_token, "SMS token secret": sms_token.split(".")[0],
        "e-mail token": mail_token, "e-mail token secret": mail_token.split(".")[0],
        "phone": phone_e164, "phone as typed": phone_local, "phone digits": phone_e164[3:],
        "failed phone": "29876544", "e-mail": email, "refused e-mail": f"refused.{marker}",
        "free text": free_text, "free text word": f"Ølstykke {marker}",
        "staff e-mail": staff_email, "staff password": STAFF_PASSWORD,
        "wrong password": "wrong password",
    }
    found = {name for name, value in secrets.items() if value in text}
    leaking = [line[:200] for line in captured.lines
               if any(value in line for value in secrets.values())]
    assert not found, f"logged: {sorted(found)}; first lines: {leaking[:3]}"
