"""No template hides a variable its view passes behind a macro of the same name.

`units.html` once imported the macro `error` while its view passed `error=` (the refusal): the
macro won, and every load of the page showed a red box reading `<Macro 'error'>` instead of the
message. This test reads every template's imports and macro definitions (Jinja's own parser) and
every name the code passes to templates (`render_template(..., name=...)`, `**context` dicts,
context processors), and refuses any overlap.
"""

from __future__ import annotations

import ast
from pathlib import Path

from jinja2 import nodes

REPO = Path(__file__).resolve().parent.parent
LMS = REPO / "lms"


def template_scopes(app) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """For each template: the names its macros and imports bind, and the templates sharing its context.

    An included template and a parent template (`extends`) see the same context as the one
    rendered; an imported one does not (only the name it is imported under is bound here).
    """
    env = app.jinja_env
    bound: dict[str, set[str]] = {}
    shares: dict[str, set[str]] = {}
    for name in env.list_templates(extensions=["html", "txt", "xml", "svg"]):
        tree = env.parse(env.loader.get_source(env, name)[0])
        names = {m.name for m in tree.find_all(nodes.Macro)}
        for node in tree.find_all(nodes.FromImport):
            names |= {alias if isinstance(alias, str) else alias[1] for alias in node.names}
        names |= {node.target for node in tree.find_all(nodes.Import)}
        bound[name] = names
        shares[name] = {
            node.template.value
            for node in [*tree.find_all(nodes.Include), *tree.find_all(nodes.Extends)]
            if isinstance(node.template, nodes.Const)
        }
    return bound, shares


def names_in_scope(template: str, bound: dict[str, set[str]], shares: dict[str, set[str]]) -> set[str]:
    """Names bound by macros or imports in the template and every template sharing its context."""
    seen, todo, names = set(), [template], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        names |= bound.get(current, set())
        todo.extend(shares.get(current, ()))
    return names


def _keyword_names(call: ast.Call, dicts: dict[str, set[str]]) -> set[str]:
    names = set()
    for keyword in call.keywords:
        if keyword.arg is not None:
            names.add(keyword.arg)
        elif isinstance(keyword.value, ast.Name):  # **context: a dict built in the same module
            names |= dicts.get(keyword.value.id, set())
        elif isinstance(keyword.value, ast.Dict):
            names |= {k.value for k in keyword.value.keys if isinstance(k, ast.Constant)}
    return names


def names_passed_to_templates() -> dict[str, set[str]]:
    """Template name -> every variable name Python code hands to it (calls naming it by a constant)."""
    passed: dict[str, set[str]] = {}
    for path in LMS.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        dicts: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                keys = {k.value for k in node.value.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        dicts[target.id] = dicts.get(target.id, set()) | keys
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            first = node.args[0]
            if called == "render_template" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                passed.setdefault(first.value, set()).update(_keyword_names(node, dicts))
    return passed


def test_the_scan_finds_what_views_pass_and_what_templates_bind(app):
    passed = names_passed_to_templates()
    assert {"error", "tree", "values", "people"} <= passed["admin/units.html"]
    assert {"report", "kind", "errors"} <= passed["reports/report.html"]
    bound, shares = template_scopes(app)
    assert {"crumbs", "csrf", "form_error", "unit_options"} <= bound["admin/units.html"]
    assert "error" in names_in_scope("live/schedule.html", bound, shares)  # its included fields' macro
    assert "base.html" in shares["admin/units.html"]


def test_no_macro_or_import_shadows_a_variable_its_template_is_given(app):
    with app.test_request_context():
        everywhere = set(app.jinja_env.globals)
        for functions in app.template_context_processors.values():
            for function in functions:
                everywhere |= set(function())
    bound, shares = template_scopes(app)
    passed = names_passed_to_templates()
    clashes = {}
    for template in bound:
        given = passed.get(template, set()) | everywhere
        if shadowed := names_in_scope(template, bound, shares) & given:
            clashes[template] = sorted(shadowed)
    assert clashes == {}


def test_the_check_sees_the_units_bug(app):
    """The import that hid the units page's message is what this test refuses."""
    source = '{% from "admin/_macros.html" import error %}{{ error(error) }}'
    tree = app.jinja_env.parse(source)
    imported = {a if isinstance(a, str) else a[1] for n in tree.find_all(nodes.FromImport) for a in n.names}
    assert imported & names_passed_to_templates()["admin/units.html"] == {"error"}
    with app.test_request_context():
        shown = app.jinja_env.from_string(source).render(error="mã đơn vị 'tp' đã được dùng")
    assert "Macro" in shown and "đã được dùng" not in shown
