"""Translations in templates: the request's language, escaping and formatting as Jinja's own."""

from flask import render_template_string, session


def render(app, source: str, locale: str | None = None, **context) -> str:
    # A context of its own, as every request has on a server (the test body holds one open).
    with app.app_context(), app.test_request_context("/"):
        if locale:
            session["locale"] = locale
        return render_template_string(source, **context)


def test_templates_speak_vietnamese_by_default_and_english_when_chosen(app):
    assert render(app, '{{ _("Log out") }}') == "Đăng xuất"
    assert render(app, '{{ _("Log out") }}', locale="en") == "Log out"


def test_variables_are_escaped_and_the_translation_is_not(app):
    html = render(app, '{{ _("Hello, %(name)s", name=who) }}', who="<b>An</b>")
    assert html == "Xin chào, &lt;b&gt;An&lt;/b&gt;"


def test_plurals_take_the_count_and_an_explicit_num(app):
    assert render(app, '{{ ngettext("%(num)d learner", "%(num)d learners", 3) }}') == "3 học viên"
    english = '{{ ngettext("%(num)s point", "%(num)s points", 2, num="1.5") }}'
    assert render(app, english, locale="en") == "1.5 points"


def test_a_string_without_variables_is_still_a_format_string(app):
    # As in Jinja's new-style gettext: "%%" always comes out as "%".
    assert render(app, '{{ _("100%% done") }}', locale="en") == "100% done"
