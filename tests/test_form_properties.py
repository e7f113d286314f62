"""Property-based tests: arbitrary values posted to every parent and staff form.

Whatever arrives (any unicode, NUL, right-to-left marks, numbers that overflow, repeated
fields, missing fields, bodies near MAX_CONTENT_LENGTH), the answer is never a 5xx, and after
every example everything stored still makes sense: each draft's and response's answers fit
their questionnaire definition, each invitation and staff user holds valid values.

Examples share one app per test on purpose: what earlier examples stored is checked again after
every later one.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.config import PARENT_LANGUAGES
from portal.extensions import db

from .conftest import Parent, Staff, create_link, make_staff

MAX_BODY = 256 * 1024  # MAX_CONTENT_LENGTH in the defaults

#: 50 per form keeps the suite quick; ``PORTAL_HYPOTHESIS_EXAMPLES=1000`` searches harder.
SETTINGS = settings(
    max_examples=int(os.environ.get("PORTAL_HYPOTHESIS_EXAMPLES", "50")),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

NASTY = st.sampled_from([
    "", " ", "\x00", "a\x00b", "\u202e", "\u200f", "\u200e\u200f\u202b", "\ufeff", "\r\n\t",
    "0", "-1", "+3", "1e309", "NaN", "99999999999999999999999", "٣", "３", "1.5", "[1]",
    "'; DROP TABLE draft; --", "<script>alert(1)</script>", "{{7*7}}", "%(n)s", "%s",
    "../../etc/passwd", "x" * 2001, "👩‍👩‍👧" * 50, "\ud7ff", "é" * 300,
])
#: Strings that make the body end up just under, at, or just over MAX_CONTENT_LENGTH.
HUGE = st.integers(min_value=MAX_BODY - 3000, max_value=MAX_BODY + 2000).map(lambda n: "x" * n)
VALUE = st.one_of(st.text(max_size=40), NASTY, st.integers().map(str), st.integers(0, 9).map(str))


def form(fields: list[str], plausible: dict[str, list[str]] | None = None,
         extra_actions: tuple[str, ...] = ()) -> st.SearchStrategy:
    """Arbitrary posts to a form with these field names: each field missing, repeated or
    filled with anything (often with a value the form offers, so the paths past validation
    are walked too), plus fields the form does not have, and now and then one huge field."""
    plausible = plausible or {}

    def values(name: str) -> st.SearchStrategy:
        offered = plausible.get(name)
        one = st.one_of(VALUE, st.sampled_from(offered)) if offered else VALUE
        return st.lists(one, max_size=3)

    arbitrary = st.fixed_dictionaries({}, optional={name: values(name) for name in fields})
    sensible = st.fixed_dictionaries(
        {name: st.sampled_from(offered).map(lambda v: [v]) for name, offered in plausible.items()}
    )
    one_change = st.sampled_from(fields or ["x"]).flatmap(
        lambda name: values(name).map(lambda v: {name: v})
    )
    changed = st.tuples(sensible, st.lists(one_change, max_size=2)).map(
        lambda pair: {k: v for d in (pair[0], *pair[1]) for k, v in d.items()}
    )
    # Anything at all, a form filled with values it offers, or such a form with a field or two
    # replaced by anything.
    known = st.one_of(arbitrary, sensible, changed) if plausible else arbitrary
    unknown = st.dictionaries(st.text(max_size=12), st.lists(VALUE, max_size=2), max_size=2)
    actions = st.sampled_from(["next", "back", "submit", "language", "send", "preview", "edit",
                               "", "\x00", *extra_actions])
    huge = st.one_of(*[st.none()] * 6, st.tuples(st.sampled_from(fields or ["x"]), HUGE))
    return st.tuples(known, unknown, st.one_of(st.none(), actions), CSRF_MODE, huge)


#: Mostly a valid CSRF token, so the views themselves are reached.
CSRF_MODE = st.sampled_from(["valid"] * 6 + ["missing", "garbage"])


def _body(csrf: str, example: tuple) -> dict[str, Any]:
    known, unknown, action, csrf_mode, huge = example
    data: dict[str, Any] = {**unknown, **known}
    if huge is not None:
        data[huge[0]] = huge[1]
    if action is not None:
        data["action"] = action
    if csrf_mode == "valid":
        data["csrf_token"] = csrf
    elif csrf_mode == "garbage":
        data["csrf_token"] = "garbage"
    else:
        data.pop("csrf_token", None)
    return data


def _post(client, path: str, data: dict[str, Any]):
    response = client.post(path, data=data)
    assert response.status_code < 500, (path, response.status_code)
    return response


# --- what "stored and valid" means, written independently of the code under test ---------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_E164 = re.compile(r"\+[1-9]\d{6,14}")


def _answer_ok(question: Any, value: Any) -> bool:
    if question.type == "multiple":
        return (
            isinstance(value, list) and bool(value) and value == sorted(set(value))
            and all(type(code) is int and code in question.codes for code in value)
        )
    if question.type in ("single", "scale", "yesno"):
        return type(value) is int and value in question.codes
    if question.type == "number":
        return type(value) is int and question.minimum <= value <= question.maximum
    return (
        isinstance(value, str) and 0 < len(value) <= question.max_length
        and not _CONTROL.search(value) and value == value.strip()
    )


def assert_everything_stored_is_valid(app) -> None:
    from portal.models.personal import Invitation, StaffUser
    from portal.models.responses import PendingSubmission, Response

    registry = app.extensions["questionnaires"]
    with app.app_context():
        # Drafts are sealed with the parent's key (unreadable here); what was submitted waits
        # in pending_submission or is in response.
        rows = [*db.session.execute(db.select(PendingSubmission)).scalars(),
                *db.session.execute(db.select(Response)).scalars()]
        for row in rows:
            definition = registry.get(row.questionnaire_key, row.questionnaire_version)
            assert row.language in PARENT_LANGUAGES
            answers = row.answers or {}
            assert isinstance(answers, dict)
            ids = {q.id for q in definition.questions}
            for question_id, value in answers.items():
                assert question_id in ids, (row.questionnaire_key, question_id)
                question = definition.question(question_id)
                assert _answer_ok(question, value), (question_id, question.type, value)
            if isinstance(row, Response | PendingSubmission):
                # Only what the parent was asked, and everything required of it.
                kept: dict[str, Any] = {}
                for question in definition.questions:
                    if question.id in answers:
                        assert question.is_visible(kept), question.id
                        kept[question.id] = answers[question.id]
                    elif question.required:
                        assert not question.is_visible(kept), f"missing {question.id}"
        for invitation in db.session.execute(db.select(Invitation)).scalars():
            assert invitation.questionnaire_key in set(registry.keys())
            assert invitation.language in PARENT_LANGUAGES
            assert invitation.phone is None or _E164.fullmatch(invitation.phone)
            assert invitation.note is None or (
                0 < len(invitation.note) <= 40 and not _CONTROL.search(invitation.note)
            )
            assert invitation.email is None or (
                "@" in invitation.email and not _CONTROL.search(invitation.email)
                and len(invitation.email) <= 254
            )
        for user in db.session.execute(db.select(StaffUser)).scalars():
            assert user.role in ("health_visitor", "coordinator", "evaluator", "admin")
            assert user.email == user.email.strip().lower() and "@" in user.email
            assert not _CONTROL.search(user.name or "") and len(user.name or "") <= 100
        db.session.rollback()


# --- parents -------------------------------------------------------------------------------------


class Family:
    """A parent who keeps answering: after a submit or a "no" to consent, a new link."""

    def __init__(self, app, questionnaire: str = "18-months") -> None:
        self.app = app
        self.questionnaire = questionnaire
        self.parent = Parent(app.test_client())
        self.fresh()

    def fresh(self) -> None:
        _, token = create_link(self.app, self.questionnaire)
        self.parent = Parent(self.app.test_client())
        self.parent.start(token)

    def csrf_at(self, path: str) -> str | None:
        """GET the form (with a new link if this one is used up); its CSRF token, or None if
        the page is not shown to a parent who has not answered anything yet."""
        if self.parent.get(path).status_code != 200:
            self.fresh()
            if self.parent.get(path).status_code != 200:
                return None
        return self.parent.csrf()


@pytest.fixture
def many_links(app):
    app.config["LINK_OPEN_LIMIT"] = "100000 per minute"
    return app


@pytest.mark.parametrize(("path", "plausible"), [
    ("/s/language", {"language": list(PARENT_LANGUAGES)}),
    ("/s/consent", {"yes": ["1", "y"], "no": ["1", "y"]}),
])
def test_language_and_consent_forms_take_anything(many_links, path, plausible):
    family = Family(many_links)

    @SETTINGS
    @given(example=form(list(plausible), plausible))
    def post_anything(example):
        csrf = family.csrf_at(path)
        assert csrf is not None
        _post(family.parent.client, path, _body(csrf, example))
        assert_everything_stored_is_valid(many_links)

    post_anything()


def _pages() -> list[tuple[str, int, dict[str, list[str]]]]:
    from portal.questionnaires import load_all

    def offered(question: Any) -> list[str]:
        if question.type == "number":
            return [str(question.minimum), str(question.maximum), str(question.maximum + 1)]
        if question.type == "text":
            return ["Tak for besøget", " ok ", "x" * question.max_length]
        return [str(code) for code in question.codes]

    return [
        (definition.key, number, {q.id: offered(q) for q in page.questions})
        for definition in load_all()
        for number, page in enumerate(definition.pages, start=1)
    ]


@pytest.mark.parametrize(("questionnaire", "number", "plausible"), _pages())
def test_every_question_page_takes_anything(many_links, questionnaire, number, plausible):
    family = Family(many_links, questionnaire)
    path = f"/s/page/{number}"
    shown = []

    @SETTINGS
    @given(example=form(list(plausible), plausible, ("back",)))
    def post_anything(example):
        csrf = family.csrf_at(path)
        if csrf is None:
            return
        shown.append(True)
        _post(family.parent.client, path, _body(csrf, example))
        assert_everything_stored_is_valid(many_links)

    post_anything()
    assert shown, f"{path} of {questionnaire} was never shown"


# --- staff ---------------------------------------------------------------------------------------


def _fresh_csrf(staff: Staff, path: str) -> str:
    response = staff.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return staff.csrf()


def test_login_form_takes_anything(app):
    path = "/staff/login"
    staff = Staff(app.test_client())
    _, email = make_staff(app)
    from .conftest import STAFF_PASSWORD

    @SETTINGS
    @given(example=form(["email", "password"], {"email": [email, email.upper(), "x@y.dk"],
                                                "password": ["wrong", STAFF_PASSWORD]}))
    def post_anything(example):
        csrf = _fresh_csrf(staff, path)
        response = _post(staff.client, path, _body(csrf, example))
        assert response.status_code in (200, 303, 400, 413, 429), response.status_code
        # The password alone never logs in.
        assert staff.client.get("/staff/invitations").status_code == 302

    post_anything()
    assert_everything_stored_is_valid(app)


@pytest.mark.parametrize("enrolled", [True, False])
def test_second_factor_forms_take_anything(app, enrolled):
    from .conftest import STAFF_PASSWORD

    _, email = make_staff(app, "coordinator", mfa=enrolled)
    path = "/staff/mfa" if enrolled else "/staff/mfa/enrol"
    staff = Staff(app.test_client())

    @SETTINGS
    @given(example=form(["code"], {"code": ["123456", "abcd-efgh-jkmn", " 12 34 56 "]}))
    def post_anything(example):
        if staff.client.get(path).status_code != 200:
            staff.get("/staff/login")
            staff.post("/staff/login", {"email": email, "password": STAFF_PASSWORD})
        csrf = _fresh_csrf(staff, path)
        response = _post(staff.client, path, _body(csrf, example))
        assert response.status_code in (200, 302, 303, 400, 413, 429), response.status_code
        # Nothing but the right code logs in; arbitrary text never does.
        assert staff.client.get("/staff/invitations").status_code == 302

    post_anything()
    assert_everything_stored_is_valid(app)


INVITE_FIELDS = ["questionnaire", "language", "channel", "phone", "email", "nonce", "note"]


def test_invite_preview_and_send_take_anything(app, staff_as):
    staff = staff_as("health_visitor")

    plausible = {
        "questionnaire": ["18-months", "3-years", "cos-p"], "language": list(PARENT_LANGUAGES),
        "channel": ["sms", "email", "qr"], "phone": ["20 12 34 56", "+45 20123456", "123"],
        "email": ["familie@example.dk", "not-mail"], "nonce": ["n" * 22, "short"],
        "note": ["AH 1/12", "", "x" * 41],
    }

    @SETTINGS
    @given(example=form(INVITE_FIELDS, plausible))
    def post_anything(example):
        csrf = _fresh_csrf(staff, "/staff/invite")
        _post(staff.client, "/staff/invite", _body(csrf, example))
        assert_everything_stored_is_valid(app)

    post_anything()


USER_FIELDS = ["email", "name", "role", "municipality", "team", "active"]


def test_user_forms_take_anything(app, staff_as):
    admin = staff_as("admin")
    other_id, _ = make_staff(app, "health_visitor")

    plausible = {
        "email": ["ny@egedal.dk", "NY@egedal.dk", "bad"], "name": ["Ny Bruger", ""],
        "role": ["health_visitor", "coordinator", "evaluator", "admin", "root"],
        "municipality": ["1", "2", "999"], "team": ["", "1", "3", "x"], "active": ["y", ""],
    }

    @SETTINGS
    @given(example=form(USER_FIELDS, plausible), where=st.sampled_from(["new", "edit"]))
    def post_anything(example, where):
        path = "/staff/users/new" if where == "new" else f"/staff/users/{other_id}"
        csrf = _fresh_csrf(admin, path)
        _post(admin.client, path, _body(csrf, example))
        assert_everything_stored_is_valid(app)

    post_anything()


def test_set_password_form_takes_anything(app):
    from portal.models.personal import StaffUser
    from portal.staff import password_links

    user_id, _ = make_staff(app, "coordinator", password=None)
    visitor = Staff(app.test_client())

    good = "a long new password"

    @SETTINGS
    @given(example=form(["password", "confirm"], {"password": [good, "short"],
                                                  "confirm": [good, "short"]}))
    def post_anything(example):
        with app.test_request_context():
            token = password_links.password_link_token(db.session.get(StaffUser, user_id))
            db.session.rollback()
        path = f"/staff/set-password/{token}"
        csrf = _fresh_csrf(visitor, path)
        response = _post(visitor.client, path, _body(csrf, example))
        assert response.status_code in (200, 303, 400, 410, 413), response.status_code
        visitor.client.delete_cookie("portal_staff")

    post_anything()
    assert_everything_stored_is_valid(app)
