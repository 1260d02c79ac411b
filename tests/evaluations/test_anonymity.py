"""Nothing in the database links an answer to the learner who gave it.

The proof: let the same five learners answer in the same order twice, the second time with the
answers handed round among them (learner 1 gives what learner 3 gave, ...). If the database kept
any link (an id, a time, a row order, SQLite's rowid or PostgreSQL's physical order), the two
databases would differ. They are equal, row for row and in physical order, in every table.
Also: a second answer is refused even when two tabs send it at the same moment.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import delete, inspect, select, text

from lms.courses.models import Enrolment
from lms.database import write_transaction
from lms.evaluations.models import EvaluationResults, EvaluationSubmission
from lms.evaluations.service import submit_answers
from lms.extensions import db
from lms.refusals import Refused
from tests.evaluations.conftest import answers_for

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
COMMENTS = ["Rất bổ ích", "Cần thêm tình huống", "Giảng viên nhiệt tình", "Thời gian hơi ngắn", "Nên học trực tiếp"]


def _answer_sets(w) -> list[dict[str, str]]:
    return [
        answers_for(
            w,
            phu_hop=str(i + 1),
            thoi_luong=str(i % 3 + 1),
            gop_y=COMMENTS[i],
            **{f"ro_rang__{w.teacher.id}": str(5 - i)},
        )
        for i in range(5)
    ]


def _physical_dump() -> list[tuple[str, list[tuple]]]:
    """Every row of every table, in the order the database stores them."""
    order = "rowid" if db.engine.dialect.name == "sqlite" else "ctid"
    query = 'SELECT * FROM "{}" ORDER BY ' + order  # noqa: S608 - table names from our own metadata
    with db.engine.connect() as connection:
        return [
            (
                table.name,
                [tuple(row) for row in connection.execute(text(query.format(table.name)))],
            )
            for table in db.metadata.sorted_tables
        ]


def _run(w, answer_sets: list[dict[str, str]]) -> list:
    db.session.execute(delete(EvaluationSubmission))
    db.session.execute(delete(EvaluationResults))
    db.session.commit()
    for learner, answers in zip(w.learners, answer_sets, strict=False):
        enrolment = db.session.scalars(select(Enrolment).where(Enrolment.user_id == learner.id)).one()
        with write_transaction():
            submit_answers(enrolment, answers, NOW)
    return _physical_dump()


def test_the_database_is_the_same_whoever_gave_which_answers(ev):
    answer_sets = _answer_sets(ev)
    first = _run(ev, answer_sets)
    handed_round = _run(ev, answer_sets[2:] + answer_sets[:2])
    assert first == handed_round
    results = dict(first)["evaluation_results"]
    assert [row[1] for row in results] == [5]  # the answers are there, only not who gave them
    assert len(dict(first)["evaluation_submissions"]) == 5


def test_the_answers_table_has_no_person_time_or_sequence_column(ev):
    columns = {
        t: {c["name"] for c in inspect(db.engine).get_columns(t)}
        for t in ("evaluation_results", "evaluation_submissions")
    }
    assert columns == {
        "evaluation_results": {"class_id", "respondents", "tallies", "comments"},
        "evaluation_submissions": {"class_id", "user_id"},
    }


def _together(app, jobs) -> list[object]:
    """Run each job in its own thread and app context, released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def run(index, job):
        with app.app_context():
            barrier.wait()
            try:
                with write_transaction():
                    job()
                outcomes[index] = "saved"
            except Refused as refusal:
                outcomes[index] = refusal.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def _submit_as(learner_id: int, answers: dict[str, str]):
    def job():
        enrolment = db.session.scalars(select(Enrolment).where(Enrolment.user_id == learner_id)).one()
        submit_answers(enrolment, answers, NOW)

    return job


def test_two_tabs_sending_at_once_record_one_answer(app, ev):
    answers = _answer_sets(ev)
    db.session.commit()
    outcomes = _together(app, [_submit_as(ev.learner.id, answers[0]), _submit_as(ev.learner.id, answers[1])])
    assert sorted(outcomes) == ["answered", "saved"]
    db.session.commit()  # the test's own read began before the threads wrote
    assert db.session.scalars(select(EvaluationResults)).one().respondents == 1


def test_two_learners_answering_at_once_are_both_counted(app, ev):
    answers = _answer_sets(ev)
    db.session.commit()
    outcomes = _together(app, [_submit_as(ev.learners[0].id, answers[0]), _submit_as(ev.learners[1].id, answers[1])])
    assert outcomes == ["saved", "saved"]
    db.session.commit()  # the test's own read began before the threads wrote
    results = db.session.scalars(select(EvaluationResults)).one()
    assert results.respondents == 2
    assert results.tallies["phu_hop"] == [1, 1, 0, 0, 0]
