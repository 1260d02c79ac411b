"""Completion rules as pure functions of a course's requirements and one enrolment's facts.

Pages, reports and certification all call `completion_status`; nothing else decides whether
someone has completed. Each rule (modules done, quizzes passed, attendance reached) reads its own
key of the course's `requirements` mapping and returns a `Requirement` saying met or unmet and why;
a new rule is one more function in `RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ModuleFact:
    """One active module of the course, as far as completion cares."""

    module_id: int
    title: str
    required: bool
    done: bool


@dataclass(frozen=True)
class QuizFact:
    """One active quiz of the course and how the learner stands on it."""

    quiz_id: int
    title: str
    required: bool
    passed: bool
    pending: bool = False  # submitted, an essay still waits for its mark


@dataclass(frozen=True)
class SessionFact:
    """One live session of the class whose attendance counts, and the share the learner attended."""

    session_id: int
    title: str
    share: float
    threshold: float

    @property
    def attended(self) -> bool:
        return self.share + 1e-9 >= self.threshold


@dataclass(frozen=True)
class EvaluationFact:
    """Whether the class asks for its evaluation to be answered, and whether the learner did.

    Only the fact of answering counts, never the answers (lms/evaluations/models.py).
    """

    class_id: int
    title: str
    required: bool
    submitted: bool


@dataclass(frozen=True)
class EnrolmentFacts:
    """Everything the rules look at for one enrolment, gathered beforehand."""

    modules: tuple[ModuleFact, ...] = ()
    quizzes: tuple[QuizFact, ...] = ()
    sessions: tuple[SessionFact, ...] = ()
    evaluation: EvaluationFact | None = None


@dataclass(frozen=True)
class Requirement:
    """One rule's verdict: met or not, how far along, and what is still missing."""

    key: str
    met: bool
    done: int
    total: int
    missing: tuple[str, ...] = ()
    label: object = ""
    reason: object = ""
    missing_ids: tuple[int, ...] = ()  # the module, quiz or session ids behind `missing`, same order


@dataclass(frozen=True)
class CompletionStatus:
    """The verdict of every rule for one enrolment."""

    requirements: tuple[Requirement, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def unmet(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.met)

    @property
    def share(self) -> float:
        """How far along, 0 to 1: the items done (modules, quizzes, sessions) out of all the rules ask
        for; 1 when they ask for nothing."""
        total = sum(r.total for r in self.requirements)
        return 1.0 if total == 0 else sum(min(r.done, r.total) for r in self.requirements) / total


MODULE_MODES = ("required", "all", "none")
QUIZ_MODES = ("required", "all", "none")
ATTENDANCE_MODES = ("required", "none")
EVALUATION_MODES = ("class", "none")  # "class": as each class's evaluation settings say
DEFAULT_REQUIREMENTS: Mapping[str, object] = {
    "modules": "required",
    "quizzes": "required",
    "attendance": "required",
    "evaluation": "class",
}


def modules_requirement(mode: object, facts: EnrolmentFacts) -> Requirement | None:
    """Modules rule: every required module (or every module, with "all") marked done."""
    if mode == "none":
        return None
    if mode not in MODULE_MODES:
        raise ValueError(f"unknown modules requirement {mode!r}")
    counted = [m for m in facts.modules if m.required or mode == "all"]
    done = sum(1 for m in counted if m.done)
    missing = tuple(m.title for m in counted if not m.done)
    missing_ids = tuple(m.module_id for m in counted if not m.done)
    met = not missing
    if met:
        reason = _l("All %(total)d required modules done.", total=len(counted))
    else:
        reason = _l(
            "%(done)d of %(total)d required modules done; %(left)d to go.",
            done=done,
            total=len(counted),
            left=len(missing),
        )
    return Requirement(
        key="modules",
        met=met,
        done=done,
        total=len(counted),
        missing=missing,
        missing_ids=missing_ids,
        label=_l("Modules"),
        reason=reason,
    )


def quizzes_requirement(mode: object, facts: EnrolmentFacts) -> Requirement | None:
    """Quizzes rule: every required quiz (or every quiz, with "all") passed; none counted, no rule."""
    if mode == "none":
        return None
    if mode not in QUIZ_MODES:
        raise ValueError(f"unknown quizzes requirement {mode!r}")
    counted = [q for q in facts.quizzes if q.required or mode == "all"]
    if not counted:
        return None
    passed = sum(1 for q in counted if q.passed)
    # A quiz the learner can act on comes before one waiting for an instructor's mark (a stable sort).
    not_passed = sorted((q for q in counted if not q.passed), key=lambda q: q.pending)
    missing = tuple(q.title for q in not_passed)
    missing_ids = tuple(q.quiz_id for q in not_passed)
    pending = sum(1 for q in counted if not q.passed and q.pending)
    if not missing:
        reason = _l("All %(total)d required quizzes passed.", total=len(counted))
    elif pending:
        reason = _l(
            "%(done)d of %(total)d required quizzes passed; %(pending)d waiting for an instructor's mark.",
            done=passed,
            total=len(counted),
            pending=pending,
        )
    else:
        reason = _l("%(done)d of %(total)d required quizzes passed.", done=passed, total=len(counted))
    return Requirement(
        key="quizzes",
        met=not missing,
        done=passed,
        total=len(counted),
        missing=missing,
        missing_ids=missing_ids,
        label=_l("Quizzes"),
        reason=reason,
    )


def attendance_requirement(mode: object, facts: EnrolmentFacts) -> Requirement | None:
    """Attendance rule: each live session marked "attendance required" attended for its share."""
    if mode == "none":
        return None
    if mode not in ATTENDANCE_MODES:
        raise ValueError(f"unknown attendance requirement {mode!r}")
    if not facts.sessions:
        return None
    attended = sum(1 for s in facts.sessions if s.attended)
    missing = tuple(s.title for s in facts.sessions if not s.attended)
    missing_ids = tuple(s.session_id for s in facts.sessions if not s.attended)
    total = len(facts.sessions)
    if missing:
        reason = _l("%(done)d of %(total)d required live sessions attended.", done=attended, total=total)
    else:
        reason = _l("All %(total)d required live sessions attended.", total=total)
    return Requirement(
        key="attendance",
        met=not missing,
        done=attended,
        total=total,
        missing=missing,
        missing_ids=missing_ids,
        label=_l("Live sessions"),
        reason=reason,
    )


def evaluation_requirement(mode: object, facts: EnrolmentFacts) -> Requirement | None:
    """Evaluation rule: where the class asks for it, the course evaluation answered (not how)."""
    if mode == "none":
        return None
    if mode not in EVALUATION_MODES:
        raise ValueError(f"unknown evaluation requirement {mode!r}")
    fact = facts.evaluation
    if fact is None or not fact.required:
        return None
    return Requirement(
        key="evaluation",
        met=fact.submitted,
        done=int(fact.submitted),
        total=1,
        missing=() if fact.submitted else (fact.title,),
        missing_ids=() if fact.submitted else (fact.class_id,),
        label=_l("Course evaluation"),
        reason=_l("Evaluation answered.") if fact.submitted else _l("The course evaluation is still to be answered."),
    )


RULES: Mapping[str, Callable[[object, EnrolmentFacts], Requirement | None]] = {
    "modules": modules_requirement,
    "quizzes": quizzes_requirement,
    "attendance": attendance_requirement,
    "evaluation": evaluation_requirement,
}


def completion_status(requirements: Mapping[str, object], facts: EnrolmentFacts) -> CompletionStatus:
    """Apply every rule the course names (modules by default) to one enrolment's facts."""
    merged = {**DEFAULT_REQUIREMENTS, **(requirements or {})}
    unknown = set(merged) - set(RULES)
    if unknown:
        raise ValueError(f"unknown requirement(s): {', '.join(sorted(unknown))}")
    verdicts = (RULES[key](value, facts) for key, value in merged.items())
    return CompletionStatus(requirements=tuple(v for v in verdicts if v is not None))


@dataclass(frozen=True)
class NextStep:
    """The first thing still missing for completion: which rule, and which module, quiz or session."""

    key: str  # "modules", "quizzes", "attendance" or "evaluation", the rule's key
    item_id: int
    title: str
    waiting: bool = False  # a quiz whose essay waits for its mark: nothing for the learner to do


def next_step(status: CompletionStatus, facts: EnrolmentFacts) -> NextStep | None:
    """Point at the first missing item of the first unmet rule, in the rules' order; None when complete."""
    pending_quizzes = {q.quiz_id for q in facts.quizzes if q.pending}
    for requirement in status.unmet:
        if requirement.missing_ids:
            item_id, title = requirement.missing_ids[0], requirement.missing[0]
            waiting = requirement.key == "quizzes" and item_id in pending_quizzes
            return NextStep(requirement.key, item_id, title, waiting)
    return None


def credited_seconds(last_seen_at, now, cap_seconds: int) -> int:
    """Return the study time a heartbeat earns: the gap since the last one, if it is short.

    A gap longer than the cap means the page was hidden or closed in between, so it earns
    nothing; the sum of credits can never exceed the real time that passed.
    """
    if last_seen_at is None:
        return 0
    gap = (now - last_seen_at).total_seconds()
    return int(gap) if 0 < gap <= cap_seconds else 0


def seconds_still_needed(min_minutes: int | None, seconds_credited: int) -> int:
    """Return the reading time a module still asks for before it may be marked done (0: none)."""
    return max(0, (min_minutes or 0) * 60 - seconds_credited)


def minutes_left(seconds: int) -> int:
    """Whole minutes to show for a remaining time, rounded up (30 seconds left is "1 minute")."""
    return -(-seconds // 60)
