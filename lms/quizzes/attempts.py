"""Starting, answering, submitting and marking quiz attempts (the caller commits).

An attempt keeps a snapshot of the questions it drew and the order it showed their options in,
so changing the quiz source never changes what a learner answered. Learners' forms name options
by their position on the page; nothing in a form can pick a question or option outside the
attempt, and nothing a client sends can set a score.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from lms.audit.models import record_audit
from lms.courses.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.quizzes.grading import MarkState, QuestionMark, grade_question, total_score
from lms.quizzes.models import AttemptState, EssayMark, Quiz, QuizAttempt
from lms.quizzes.questions import Question, QuestionType
from lms.refusals import N_, Refused
from lms.text import multi_line_problem, whole_number

MAX_TEXT = {QuestionType.SHORT_ANSWER: 500, QuestionType.NUMERICAL: 100, QuestionType.ESSAY: 20000}
CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


BAD_ANSWER = N_("One of the answers could not be read. Please check it and try again.")
TIME_UP = N_("The time is up. Your attempt was graded on the answers saved before the deadline.")
NOT_MARKABLE = N_("There is nothing to mark here.")


@dataclass
class DrawnQuestion:
    """A question as one attempt shows it: the question and the order of its options."""

    question: Question
    order: list[int]

    @property
    def shown_options(self) -> list:
        """Choices (or matching answers) in the order this attempt shows them."""
        if self.question.type == QuestionType.MATCHING:
            return [self.question.pairs[i].answer for i in self.order]
        return [self.question.choices[i] for i in self.order]

    @property
    def prompts(self) -> list[int]:
        """Indices of the matching pairs that are prompts (not distractors)."""
        return [i for i, p in enumerate(self.question.pairs) if p.prompt]


def drawn_questions(attempt: QuizAttempt) -> list[DrawnQuestion]:
    """The attempt's questions as drawn when it started."""
    return [DrawnQuestion(Question.from_data(d["question"]), list(d["order"])) for d in attempt.drawn]


def _draw(quiz: Quiz, rng: random.Random) -> list[dict]:
    bank = list(quiz.questions)
    graded = [d for d in bank if d["type"] != QuestionType.DESCRIPTION]
    count = quiz.settings.get("draw")
    chosen = rng.sample(graded, count) if count else bank
    drawn = []
    for data in chosen:
        question = Question.from_data(data)
        if question.type == QuestionType.MATCHING:
            # One entry per distinct answer text, so two prompts with the same answer stay fair.
            seen: dict[str, int] = {}
            for index, pair in enumerate(question.pairs):
                seen.setdefault(pair.answer, index)
            order = list(seen.values())
        else:
            order = list(range(len(question.choices))) if question.type in CHOICE_TYPES else []
        if quiz.settings.get("shuffle", True):
            rng.shuffle(order)
        drawn.append({"key": data.get("key", ""), "question": data, "order": order})
    return drawn


def active_quizzes(course_id: int) -> list[Quiz]:
    """A course's quizzes still in its source, in order."""
    # Lists and completion never need the question bank: leave it unloaded.
    return list(
        db.session.scalars(
            select(Quiz)
            .options(defer(Quiz.questions))
            .where(Quiz.course_id == course_id, Quiz.retired_at.is_(None))
            .order_by(Quiz.position)
        )
    )


def attempts_of(enrolment: Enrolment, quiz: Quiz) -> list[QuizAttempt]:
    """The enrolment's attempts at the quiz, first first."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.quiz_id == quiz.id)
            .order_by(QuizAttempt.number)
        )
    )


def attempts_left(quiz: Quiz, used: int) -> int | None:
    """How many more attempts are allowed; None when unlimited."""
    allowed = quiz.settings.get("attempts") or 0
    return None if allowed == 0 else max(0, allowed - used)


def start_attempt(enrolment: Enrolment, quiz: Quiz, now: datetime, rng: random.Random | None = None) -> QuizAttempt:
    """Resume the open attempt, or start the next one if attempts are left."""
    existing = attempts_of(enrolment, quiz)
    for attempt in existing:
        if attempt.state == AttemptState.OPEN and not close_if_expired(attempt, now):
            return attempt
    if attempts_left(quiz, len(existing)) == 0:
        raise Refused(N_("You have used all the attempts this quiz allows."), code="no_attempts_left")
    limit = quiz.settings.get("time_limit")
    attempt = QuizAttempt(
        enrolment_id=enrolment.id,
        quiz_id=quiz.id,
        number=len(existing) + 1,
        drawn=_draw(quiz, rng or random.SystemRandom()),
        answers={},
        started_at=now,
        deadline_at=now + timedelta(minutes=limit) if limit else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # a concurrent start won: use that one
        return next(a for a in attempts_of(enrolment, quiz) if a.number == len(existing) + 1)
    return attempt


def _index(value: str, size: int) -> int:
    position = whole_number(value, maximum=size - 1)
    if position is None:
        raise ValueError("not an option of this question")
    return position


def parse_response(drawn: DrawnQuestion, values: list[str]):
    """Turn a form's values for one question into a response in the question's own terms."""
    question = drawn.question
    kind = question.type
    values = [v for v in values if v != ""]
    if not values:
        return None
    if len(values) > 1 and kind != QuestionType.MULTIPLE:
        raise ValueError("only one answer is allowed")
    if kind == QuestionType.SINGLE:
        return [drawn.order[_index(values[0], len(drawn.order))]]
    if kind == QuestionType.MULTIPLE:
        positions = [_index(v, len(drawn.order)) for v in values]
        if len(set(positions)) != len(positions):
            raise ValueError("the same option was sent twice")
        return sorted(drawn.order[p] for p in positions)
    if kind == QuestionType.TRUE_FALSE:
        if values[0] not in ("true", "false"):
            raise ValueError("answer true or false")
        return values[0] == "true"
    if kind in MAX_TEXT:
        if len(values[0]) > MAX_TEXT[kind]:
            raise ValueError(f"the answer is longer than {MAX_TEXT[kind]} characters")
        return values[0].strip()
    raise ValueError("this question takes no answer")


def parse_matching(drawn: DrawnQuestion, values_by_prompt: dict[int, str]):
    """Matching answers: for each prompt shown, the position of the answer picked (or nothing)."""
    prompts = drawn.prompts
    if set(values_by_prompt) - set(range(len(prompts))):
        raise ValueError("an answer for a prompt this question does not have")
    response = []
    for slot in range(len(prompts)):
        value = values_by_prompt.get(slot, "")
        response.append(drawn.order[_index(value, len(drawn.order))] if value != "" else None)
    return response if any(r is not None for r in response) else None


def read_form_answers(attempt: QuizAttempt, form: dict[str, list[str]]) -> dict[str, object]:
    """Validate a submitted form against the attempt; refuse anything that is not one of its questions."""
    drawn = drawn_questions(attempt)
    plain: dict[int, list[str]] = {}
    matching: dict[int, dict[int, str]] = {}
    for name, values in form.items():
        if not name.startswith("q"):
            continue  # csrf_token, seq, and anything else a client adds (a "score") carry no weight
        number_text, dash, slot_text = name[1:].partition("-")
        number = whole_number(number_text, maximum=len(drawn) - 1)
        slot = whole_number(slot_text) if dash else None
        if number is None or (dash and slot is None):
            raise Refused(
                N_("The form contained an answer to a question that is not in this attempt."), code="unknown_question"
            )
        if slot is not None:
            if len(values) != 1:
                raise Refused(BAD_ANSWER, code="bad_answer")
            matching.setdefault(number, {})[slot] = values[0]
        else:
            plain[number] = values
    answers: dict[str, object] = {}
    for index, entry in enumerate(drawn):
        try:
            if entry.question.type == QuestionType.MATCHING:
                if index in plain:
                    raise ValueError("answer each prompt separately")
                response = parse_matching(entry, matching.get(index, {}))
            else:
                if index in matching:
                    raise ValueError("this question has no prompts")
                response = parse_response(entry, plain.get(index, []))
        except ValueError as exc:
            raise Refused(BAD_ANSWER, code="bad_answer") from exc
        if response is not None:
            answers[str(index)] = response
    return answers


def _expired(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now >= attempt.deadline_at


def close_if_expired(attempt: QuizAttempt, now: datetime) -> bool:
    """Grade an open attempt whose time ran out, on the answers saved before the deadline."""
    if attempt.state != AttemptState.OPEN or not _expired(attempt, now):
        return False
    attempt.timed_out = True
    _grade(attempt, now)
    return True


def ensure_answerable(attempt: QuizAttempt) -> None:
    """Refuse work on an open attempt once its learner has left the class or its quiz was retired.

    Every path that changes an attempt's answers calls it (the page, the autosave, the submit), so
    a withdrawal or a retired quiz stops an attempt that was already open.
    """
    if attempt.enrolment.status != EnrolmentStatus.ACTIVE:
        raise Refused(
            N_("You are no longer enrolled in this class, so this attempt can no longer be changed."),
            code="withdrawn",
            status=403,
        )
    if attempt.quiz.retired_at is not None:
        raise Refused(
            N_("This quiz is no longer part of the course, so this attempt can no longer be changed."),
            code="retired",
            status=409,
        )


def save_answers(attempt: QuizAttempt, form: dict[str, list[str]], seq: int, now: datetime) -> bool:
    """Store the answers on the page; an older save arriving late (lower `seq`) changes nothing.

    An attempt whose time is up is refused: the caller closes it first (`close_if_expired`) in its
    own transaction, so the grading is kept though the save is not.
    """
    if attempt.state == AttemptState.OPEN:
        ensure_answerable(attempt)
    if _expired(attempt, now) and attempt.state == AttemptState.OPEN:
        raise Refused(TIME_UP, code="time_up", status=409)
    if attempt.state != AttemptState.OPEN:
        raise Refused(N_("This attempt has already been submitted."), code="closed", status=409)
    answers = read_form_answers(attempt, form)
    if seq <= attempt.last_seq:
        return False
    attempt.answers = answers
    attempt.last_seq = seq
    return True


def submit_attempt(attempt: QuizAttempt, form: dict[str, list[str]], seq: int, now: datetime) -> bool:
    """Save the final answers and grade; return False when the attempt was already closed."""
    if attempt.state != AttemptState.OPEN:
        return False
    ensure_answerable(attempt)
    if close_if_expired(attempt, now):
        return True  # graded as of the deadline; the late answers are not taken
    answers = read_form_answers(attempt, form)
    if seq > attempt.last_seq:
        attempt.answers = answers
        attempt.last_seq = seq
    _grade(attempt, now)
    return True


def _grade(attempt: QuizAttempt, now: datetime) -> None:
    drawn = drawn_questions(attempt)
    marks = [grade_question(entry.question, attempt.answers.get(str(i))) for i, entry in enumerate(drawn)]
    attempt.marks = [{"fraction": m.fraction, "state": m.state.value, "feedback": m.feedback} for m in marks]
    attempt.submitted_at = now
    _score(attempt, drawn, marks)


def _score(attempt: QuizAttempt, drawn: list[DrawnQuestion], marks: list[QuestionMark]) -> None:
    essay = {m.question_index: m.fraction for m in attempt.essay_marks}
    score = total_score([d.question for d in drawn], marks, essay)
    attempt.points, attempt.max_points, attempt.percent = score.points, score.max_points, score.percent
    if score.pending:
        attempt.state, attempt.passed = AttemptState.PENDING, None
    else:
        attempt.state = AttemptState.GRADED
        attempt.passed = score.percent >= attempt.quiz.settings.get("pass_mark", 70)


def stored_marks(attempt: QuizAttempt) -> list[QuestionMark]:
    """The marks recorded at submission."""
    return [QuestionMark(m["fraction"], MarkState(m["state"]), m["feedback"]) for m in attempt.marks]


def mark_essay(attempt: QuizAttempt, index: int, points: float, comment: str, marker_id: int, now: datetime) -> None:
    """Record an instructor's mark for one essay, then re-score the attempt."""
    drawn = drawn_questions(attempt)
    if attempt.state == AttemptState.OPEN or not 0 <= index < len(drawn):
        raise Refused(NOT_MARKABLE, code="not_markable")
    question = drawn[index].question
    if question.type != QuestionType.ESSAY:
        raise Refused(NOT_MARKABLE, code="not_markable")
    if not 0 <= points <= question.points:
        raise Refused(N_("The mark must be between 0 and the question's points."), code="bad_mark", field="points")
    if problem := multi_line_problem(comment, field="comment"):
        raise Refused(problem)  # PostgreSQL cannot store NUL in text; SQLite would: refused alike on both
    mark = next((m for m in attempt.essay_marks if m.question_index == index), None)
    if mark is None:
        mark = EssayMark(attempt=attempt, question_index=index, fraction=0.0, marked_by_id=marker_id)
        db.session.add(mark)
    mark.fraction = points / question.points
    mark.comment = comment.strip()[:5000]
    mark.marked_by_id = marker_id
    mark.marked_at = now
    db.session.flush()
    _score(attempt, drawn, stored_marks(attempt))
    record_audit(marker_id, "essay.mark", f"attempt:{attempt.id}", question=index, points=points)


def best_attempts(enrolment_ids: list[int], quiz_ids: list[int]) -> dict[tuple[int, int], QuizAttempt]:
    """The best closed attempt per (enrolment, quiz): passed first, then highest score."""
    best: dict[tuple[int, int], QuizAttempt] = {}
    if not enrolment_ids or not quiz_ids:
        return best
    rows = db.session.scalars(
        select(QuizAttempt)
        # Completion and the lists read the score, not the questions drawn or the answers: decoding
        # those JSON columns was most of a completion report's time (100,000 enrolments: minutes).
        .options(defer(QuizAttempt.drawn), defer(QuizAttempt.answers), defer(QuizAttempt.marks))
        .where(
            QuizAttempt.enrolment_id.in_(enrolment_ids),
            QuizAttempt.quiz_id.in_(quiz_ids),
            QuizAttempt.state != AttemptState.OPEN,
        )
    )
    for attempt in rows:
        key = (attempt.enrolment_id, attempt.quiz_id)
        current = best.get(key)
        rank = (bool(attempt.passed), attempt.percent or 0)
        if current is None or rank > (bool(current.passed), current.percent or 0):
            best[key] = attempt
    return best


def pending_count(enrolment_ids: list[int], quiz_ids: list[int]) -> dict[tuple[int, int], int]:
    """Submitted attempts still waiting for an essay mark, per (enrolment, quiz)."""
    if not enrolment_ids or not quiz_ids:
        return {}
    rows = db.session.execute(
        select(QuizAttempt.enrolment_id, QuizAttempt.quiz_id, func.count())
        .where(
            QuizAttempt.enrolment_id.in_(enrolment_ids),
            QuizAttempt.quiz_id.in_(quiz_ids),
            QuizAttempt.state == AttemptState.PENDING,
        )
        .group_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_id)
    )
    return {(e, q): n for e, q, n in rows}


def essays_to_mark(class_ids: list[int]) -> list[tuple[QuizAttempt, int, Question]]:
    """Essay answers of these classes still waiting for a mark, oldest submission first."""
    pending = db.session.scalars(
        select(QuizAttempt)
        .join(Enrolment)
        .where(Enrolment.class_id.in_(class_ids), QuizAttempt.state == AttemptState.PENDING)
        .order_by(QuizAttempt.submitted_at)
    )
    items = []
    for attempt in pending:
        marked = {m.question_index for m in attempt.essay_marks}
        for index, entry in enumerate(drawn_questions(attempt)):
            # An essay left empty scored 0 at submission (unanswered): nothing to mark.
            waiting = index < len(attempt.marks) and attempt.marks[index]["state"] == MarkState.PENDING
            if entry.question.type == QuestionType.ESSAY and index not in marked and waiting:
                items.append((attempt, index, entry.question))
    return items
