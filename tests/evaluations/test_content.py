"""evaluation.yml in content/: `content check` names file and line; `content sync` stores the form once."""

from __future__ import annotations

from sqlalchemy import select

from lms.evaluations.models import EvaluationForm
from lms.extensions import db
from tests.factories import EVALUATION_YML, sync_dir, write_course


def test_check_names_the_file_and_line_of_a_malformed_form(runner, tmp_path):
    broken = EVALUATION_YML.replace("type: choice", "type: multiple").replace('        low: "Rất kém"\n', "")
    write_course(tmp_path, evaluation=broken)
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "demo/evaluation.yml:13: a question's 'type' must be one of rating, choice, comment" in result.output
    assert "demo/evaluation.yml:19: a rating question needs a 'low' text" in result.output


def test_sync_stores_the_form_and_a_second_sync_changes_nothing(app, tmp_path):
    write_course(tmp_path, evaluation=EVALUATION_YML)
    report = sync_dir(tmp_path)
    assert "demo/evaluation" in report.added
    form = db.session.scalars(select(EvaluationForm)).one().form
    assert [s["key"] for s in form["sections"]] == ["content", "instructors", "format"]
    assert not sync_dir(tmp_path).touched
    (tmp_path / "demo" / "evaluation.yml").unlink()
    assert "demo/evaluation" in sync_dir(tmp_path).retired
    assert db.session.scalars(select(EvaluationForm)).all() == []
