"""The house rules that code review would otherwise have to remember, checked on the source itself.

- No module-level import cycle inside `lms/` (a blueprint lives where its screens import it one way).
- One family of refusals: every exception class `lms/` raises is `Refused` or one of a short list of
  builtins with a stated reason.
- One way to write: transactions are begun, committed and rolled back only by the helpers made for it.
"""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from lms.refusals import Refused

LMS = Path(__file__).resolve().parent.parent / "lms"


def _module_name(path: Path) -> str:
    parts = path.relative_to(LMS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(LMS.rglob("*.py"))}


def _module_level_imports(path: Path) -> set[str]:
    """The `lms` modules a module imports when it is itself imported (not inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:  # top-level statements only: imports in functions run later
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for inner in ast.walk(node) if isinstance(node, ast.If | ast.Try) else [node]:
            if isinstance(inner, ast.Import):
                found.update(alias.name for alias in inner.names)
            elif isinstance(inner, ast.ImportFrom):
                base = inner.module or ""
                if inner.level:
                    anchor = package.rsplit(".", inner.level - 1)[0] if inner.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                for alias in inner.names:
                    candidate = f"{base}.{alias.name}"
                    found.add(candidate if candidate in MODULES else base)
    return {name for name in found if name in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_level_import_cycle_in_lms():
    graph = {name: _module_level_imports(path) for name, path in MODULES.items()}
    assert graph["lms.admin.user_views"] >= {"lms.admin.blueprint"}, "the walker must see the screens' imports"
    assert _cycles(graph) == []


# Builtin exceptions `lms/` may raise, and why; everything else it raises must be a Refused.
ALLOWED_BUILTINS = {
    "RuntimeError": "start-up configuration that cannot work, and states that cannot happen",
    "ValueError": "pure parsers' and rules' signal for malformed values, turned into a Refused by their caller, "
    "and programming errors such as an unknown requirement mode",
    "TypeError": "a programming error (a refusal without a problem, a naive datetime)",
    "SystemExit": "a `flask` command's exit status after it printed its report",
    "ConnectionRefusedError": "Socket.IO's own way to refuse a handshake (python-socketio's class)",
}
# Exceptions of libraries whose surface needs them: the CLI's usage errors, HTTP aborts.
ALLOWED_FOREIGN = {"click.UsageError", "click.ClickException", "click.BadParameter"}


def _raised_names() -> dict[str, set[str]]:
    """Each exception name raised with `raise X(...)` or `raise X` in `lms/`, and where."""
    raised: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(target, ast.Name | ast.Attribute):
                    raised.setdefault(ast.unparse(target), set()).add(name)
    return raised


def _lms_exception_classes() -> dict[str, type]:
    import importlib

    classes: dict[str, type] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__.startswith("lms"):
                classes[value.__name__] = value
    return classes


def test_every_exception_lms_raises_is_a_refusal_or_an_allowed_builtin():
    raised = _raised_names()
    assert "Refused" in raised, "the walker must see the refusals"
    ours = _lms_exception_classes()
    strays = {}
    for name, where in raised.items():
        if name in ours:
            if not issubclass(ours[name], Refused):
                strays[name] = sorted(where)
        elif name in ALLOWED_BUILTINS or name in ALLOWED_FOREIGN:
            continue
        elif hasattr(builtins, name) or "." in name or name in ("exc", "refusal"):
            if name not in ("exc", "refusal"):  # re-raising a caught exception
                strays[name] = sorted(where)
        else:
            strays[name] = sorted(where)
    assert strays == {}


def test_lms_defines_one_family_of_refusals():
    families = {cls.__name__ for cls in _lms_exception_classes().values() if not issubclass(cls, Refused)}
    assert families == set()


# Only these modules may begin, commit or roll back a transaction themselves.
TRANSACTION_OWNERS = {"lms.database", "lms.live.events", "lms", "lms.live.presence"}


@pytest.mark.parametrize("call", ["begin_write()", "db.session.commit()", "db.session.rollback()"])
def test_views_and_commands_write_through_the_transaction_helpers(call):
    writers = sorted(
        name
        for name, path in MODULES.items()
        if call in path.read_text(encoding="utf-8") and name not in TRANSACTION_OWNERS
    )
    assert writers == []
