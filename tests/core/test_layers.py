"""Imports that show the layers (issue 18): `app.core` imports no feature, and no feature
reaches into another feature's private names. Features talk through app.core.signals or
each other's public functions."""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
#: Packages of app/ that are not features.
NOT_FEATURES = {"core", "templates", "static"}
FEATURES = {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()} - NOT_FEATURES


def _imports(path: Path):
    """(module, names) of every import in the file, at module level or inside functions."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def _feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "app" and parts[1] in FEATURES else None


def test_core_imports_no_feature():
    found = [
        f"{path.relative_to(APP)} imports {module}"
        for path in sorted((APP / "core").rglob("*.py"))
        for module, _ in _imports(path)
        if _feature_of(module)
    ]
    assert found == []


def test_no_feature_imports_another_features_private_names():
    found = []
    for path in sorted(APP.rglob("*.py")):
        own = _feature_of("app." + ".".join(path.relative_to(APP).with_suffix("").parts))
        for module, names in _imports(path):
            other = _feature_of(module)
            private = [n for n in names if n.startswith("_")]
            if other and other != own and private:
                found.append(f"{path.relative_to(APP)}: {', '.join(private)} from {module}")
    assert found == []


#: What a feature keeps to itself: how it asks (forms) and how it prints (PDFs). The office
#: shell's forms (the assignee, the queues' filters) exist to be shared by every office card.
PRIVATE_MODULES = {"forms", "office_forms", "pdf", "pdf_invoice"}
SHARED_FORMS = {"office"}


def test_no_feature_imports_another_features_forms_or_pdfs():
    found = []
    for path in sorted(APP.rglob("*.py")):
        own = _feature_of("app." + ".".join(path.relative_to(APP).with_suffix("").parts))
        for module, _ in _imports(path):
            other = _feature_of(module)
            if other and other != own and other not in SHARED_FORMS and module.split(".")[-1] in PRIVATE_MODULES:
                found.append(f"{path.relative_to(APP)} imports {module}")
    assert found == []
