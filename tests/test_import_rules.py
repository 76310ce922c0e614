"""Test modules stand alone: shared helpers live in tests/factories.py and tests/conftest.py, so one test
module never imports another (a helper in a test module drags that module's fixtures and autouse clocks
along). The rules between the app packages are import-linter contracts (pyproject.toml, run by ./test)."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _is_test_module(dotted: str) -> bool:
    return dotted.startswith("tests.") and dotted.rsplit(".", 1)[-1].startswith("test_")


def _imported(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_no_test_module_imports_another():
    offenders = sorted(
        f"{path.relative_to(TESTS.parent)} imports {name}"
        for path in TESTS.rglob("*.py")
        for name in _imported(ast.parse(path.read_text(), str(path)))
        if _is_test_module(name)
    )
    assert offenders == []


def test_the_rule_sees_a_test_module_import():
    """The check above cannot pass by looking at nothing."""
    assert list(TESTS.rglob("test_*.py"))
    tree = ast.parse("from tests.test_visits import WEEK\nimport tests.e2e.test_browser\nfrom tests.factories import x")
    assert [n for n in _imported(tree) if _is_test_module(n)] == ["tests.test_visits", "tests.e2e.test_browser"]
