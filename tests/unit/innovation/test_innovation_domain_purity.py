import ast
import sys
from pathlib import Path

import innovation.domain

DOMAIN = Path(innovation.domain.__file__).parent


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add(node.module or "")
    return roots


def test_domain_imports_only_the_standard_library_and_itself():
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) >= 6
    for path in modules:
        for name in imported_roots(path):
            ours = name.startswith("innovation.domain")
            assert ours or name.split(".")[0] in sys.stdlib_module_names, (path.name, name)
