"""Translations in templates, with the request's catalogue looked up once.

Flask-Babel's Jinja callables find the catalogue through several context proxies on every call,
and Jinja's new-style wrappers add two more context calls each: about 13 µs per `_()`, and a
page has a dozen or more. These do what Jinja's new-style gettext does (escape the translation
when autoescaping, then always format it with the keyword arguments) with one lookup per request.
Nothing here switches language in the middle of a request; code that did (Flask-Babel's
`force_locale` or `refresh`) would also have to drop `g._template_translations`.
"""

from __future__ import annotations

from flask import Flask, g, has_app_context
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup


def _catalogue():
    """The request's translations, found once per request (or app context)."""
    if not has_app_context():
        return get_translations()
    catalogue = g.get("_template_translations")
    if catalogue is None:
        catalogue = g._template_translations = get_translations()
    return catalogue


@pass_context
def template_gettext(context: Context, string: str, /, **variables) -> str:
    translated = _catalogue().ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - the catalogue is ours, as in Jinja's own gettext
    return translated % variables  # always a format string, as in Jinja's new-style gettext


@pass_context
def template_ngettext(context: Context, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    translated = _catalogue().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)  # noqa: S704 - the catalogue is ours, as in Jinja's own gettext
    return translated % variables


def install_template_translations(app: Flask) -> None:
    """Replace Flask-Babel's template callables (call after `babel.init_app`)."""
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
