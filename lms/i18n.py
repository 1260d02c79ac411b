"""Translations in templates, with the request's catalogue looked up once; numbers in the reader's locale.

Flask-Babel's Jinja callables find the catalogue through several context proxies on every call,
and Jinja's new-style wrappers add two more context calls each: about 13 µs per `_()`, and a
page has a dozen or more. These do what Jinja's new-style gettext does (escape the translation
when autoescaping, then always format it with the keyword arguments) with one lookup per request.
Nothing here switches language in the middle of a request; code that did (Flask-Babel's
`force_locale` or `refresh`) would also have to drop `g._template_translations`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask import Flask, g, has_app_context
from flask_babel import get_locale, get_translations
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


# CLDR gives Vietnamese the percent pattern "#,##0%" ("90,48%"); Vietnamese text writes "90,48 %",
# with a space, which is what the people reading these pages asked for. The space is a no-break
# space, so the sign never starts a line on its own.
PERCENT_PATTERNS = {"vi": "#,##0{decimals}\u00a0%"}
NO_VALUE = "–"


def _reader_locale(locale: str | Locale | None) -> Locale:
    if locale is not None:
        return Locale.parse(locale)
    return (get_locale() if has_app_context() else None) or Locale.parse("vi")


def format_number(value: float | None, locale: str | Locale | None = None) -> str:
    """A number as the reader writes it: 1.234,5 in Vietnamese, 1,234.5 in English; "–" for none."""
    if value is None:
        return NO_VALUE
    return format_decimal(value, locale=_reader_locale(locale))


def format_percentage(value: float | None, digits: int = 2, locale: str | Locale | None = None) -> str:
    """A percentage (90.48 means 90.48 %) as the reader writes it: "90,48 %" (vi), "90.48%" (en).

    At most `digits` decimals, without trailing zeros ("75 %", not "75,00 %"); "–" for none.
    Rounded half up, as the pages did before (62.5 shows as 63 with no decimals), not Babel's
    half-to-even.
    """
    if value is None:
        return NO_VALUE
    value = Decimal(str(value)).quantize(Decimal(1).scaleb(-max(digits, 0)), rounding=ROUND_HALF_UP)
    reader = _reader_locale(locale)
    decimals = "." + "#" * digits if digits > 0 else ""
    pattern = PERCENT_PATTERNS.get(reader.language)
    if pattern is None:
        cldr = reader.percent_formats[None].pattern
        last_zero = cldr.rfind("0")
        pattern = cldr[: last_zero + 1] + "{decimals}" + cldr[last_zero + 1 :]
    return format_percent(value / 100, format=pattern.format(decimals=decimals), locale=reader)


# As filters they take the template context (unused): Jinja then never folds `{{ 1029|number }}`
# into a constant at compile time, in whatever language the first page that compiled it used.
@pass_context
def number_filter(_context: Context, value: float | None) -> str:
    return format_number(value)


@pass_context
def percentage_filter(_context: Context, value: float | None, digits: int = 2) -> str:
    return format_percentage(value, digits)


def install_template_translations(app: Flask) -> None:
    """Replace Flask-Babel's template callables and add the number filters (call after `babel.init_app`).

    Every page formats numbers with these filters: `{{ value|number }}` and
    `{{ percent|percentage }}` (or `|percentage(0)` for whole percents). Files for spreadsheets
    (CSV, XLSX) keep plain machine-readable numbers.
    """
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    app.jinja_env.filters.update(number=number_filter, percentage=percentage_filter)
