"""Texts in templates: translated in the page's language, with inserted values escaped.

Templates get gettext/ngettext bound to the render's catalogue (portal/i18n.py bound_gettext);
these pin what a reader would notice if that binding went wrong.
"""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale


def test_a_template_text_is_translated_and_the_values_put_in_are_escaped(app):
    template = '{{ _("Page %(position)s of %(total)s", position=position, total=4) }}'
    with app.test_request_context("/s/"):
        html = render_template_string(template, position="<b>1</b>")
    assert html == "Side &lt;b&gt;1&lt;/b&gt; af 4"


def test_plural_texts_take_the_form_for_the_number(app):
    template = '{{ ngettext("%(num)s reminder", "%(num)s reminders", n) }}'
    with app.test_request_context("/staff/"):
        one = render_template_string(template, n=1)
        two = render_template_string(template, n=2)
    assert (one, two) == ("1 påmindelse", "2 påmindelser")


def test_a_page_rendered_in_another_language_uses_that_languages_texts(app):
    template = '{{ _("Page %(position)s of %(total)s", position=1, total=4) }}'
    with app.test_request_context("/s/"):
        with force_locale("en"):
            english = render_template_string(template)
        danish = render_template_string(template)
    assert (english, danish) == ("Page 1 of 4", "Side 1 af 4")


def test_markup_in_a_text_stays_markup_while_values_are_escaped(app):
    # As Jinja's own gettext: a text is the catalogue's (trusted), a value may be anyone's.
    template = '{{ _("<em>%(name)s</em>", name=name) }}'
    with app.test_request_context("/s/"):
        html = render_template_string(template, name="<script>")
    assert html == "<em>&lt;script&gt;</em>"
