"""Evaluation results drawn and laid out: SVG charts (lms/reports/charts.py) and export tables
(lms/reports/export.py), from the pure results of lms/evaluations/rules.py."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup

from lms.evaluations.rules import RATING_POINTS, QuestionResult, Tallies, overall_mean
from lms.reports.charts import Bar, bar_chart
from lms.reports.export import Table


def mean_text(mean: float | None) -> str:
    """A mean rating as people here write it ("4,2" in Vietnamese), or a dash."""
    return "–" if mean is None else format_decimal(round(mean, 1), format="0.0")


def rate_text(rate: float | None) -> str:
    return "–" if rate is None else format_percent(rate, format="#,##0%")


def _question_label(result: QuestionResult) -> str:
    text = result.question["text"]
    return f"{result.instructor_name}: {text}" if result.instructor_name else text


def means_chart(chart_id: str, title: str, results: list[QuestionResult]) -> Markup:
    """One bar per rating question: its mean out of 5."""
    bars = [
        Bar(
            label=_question_label(r),
            done=round(100 * (r.mean or 0)),
            going=0,
            whole=100 * RATING_POINTS,
            caption=f"{mean_text(r.mean)}/{RATING_POINTS} · n={r.answers}",
            spoken=_(
                "mean %(mean)s of %(top)d from %(n)d answers", mean=mean_text(r.mean), top=RATING_POINTS, n=r.answers
            ),
        )
        for r in results
        if r.question["type"] == "rating"
    ]
    return bar_chart(chart_id, title, bars) if bars else Markup("")


def distribution_chart(chart_id: str, result: QuestionResult) -> Markup:
    """One bar per option of a rating or choice question: how many chose it, of all who answered."""
    total = result.answers
    bars = [
        Bar(
            label=label,
            done=count,
            going=0,
            whole=total,
            caption=f"{count} · {rate_text(count / total if total else None)}",
            spoken=_("%(count)d of %(total)d answers", count=count, total=total),
        )
        for label, count in zip(result.labels, result.counts, strict=True)
    ]
    return bar_chart(chart_id, _question_label(result), bars)


@dataclass(frozen=True)
class RateLine:
    """One group in a response-rate chart."""

    label: str
    tallies: Tallies


def response_chart(chart_id: str, title: str, lines: list[RateLine]) -> Markup:
    """One bar per group: learners who answered, of those who could."""
    bars = [
        Bar(
            label=line.label,
            done=line.tallies.respondents,
            going=0,
            whole=line.tallies.invited,
            caption=f"{line.tallies.respondents}/{line.tallies.invited} · {rate_text(line.tallies.response_rate)}",
            spoken=_(
                "%(done)d of %(whole)d learners answered",
                done=line.tallies.respondents,
                whole=line.tallies.invited,
            ),
        )
        for line in lines
    ]
    return bar_chart(chart_id, title, bars)


@dataclass(frozen=True)
class ModeLine:
    """One delivery mode in the comparison: its classes' answers together."""

    mode: str
    label: str
    classes: int
    tallies: Tallies
    results: list[QuestionResult]

    @property
    def mean(self) -> float | None:
        return overall_mean(self.results) if self.tallies.visible else None


def modes_chart(chart_id: str, title: str, lines: list[ModeLine]) -> Markup:
    """Mean of all ratings per delivery mode (groups too small to show are drawn empty and say so)."""
    bars = []
    for line in lines:
        caption = (
            f"{mean_text(line.mean)}/{RATING_POINTS} · n={line.tallies.respondents}"
            if line.tallies.visible
            else _("fewer than 5 answers")
        )
        bars.append(
            Bar(
                label=line.label,
                done=round(100 * (line.mean or 0)),
                going=0,
                whole=100 * RATING_POINTS,
                caption=caption,
            )
        )
    return bar_chart(chart_id, title, bars)


def results_table(results: list[QuestionResult], group: str) -> Table:
    """The results as cells: one row per question (counts per option), then one row per comment."""
    header = [
        _("Group"),
        _("Section"),
        _("Question"),
        _("Instructor"),
        _("Answers"),
        _("Mean (1–5)"),
        *[_("Option %(n)d", n=n) for n in range(1, 11)],
    ]
    rows: list[list[object]] = []
    for r in results:
        if r.question["type"] == "comment":
            continue
        counts = [f"{label}: {count}" for label, count in zip(r.labels, r.counts, strict=True)]
        mean = "" if r.mean is None else round(r.mean, 2)
        rows.append([group, r.section["title"], r.question["text"], r.instructor_name, r.answers, mean, *counts])
    for r in results:
        for text in r.comments:
            rows.append([group, r.section["title"], r.question["text"], r.instructor_name, "", "", text])
    width = len(header)
    rows = [row + [""] * (width - len(row)) for row in rows]
    return Table(header, rows, [0] * len(rows))
