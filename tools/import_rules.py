"""Checks that tools/ imports run one way (tools/README.md); prints each import that does not and exits 1.

    PYTHONPATH=tools python3 -m import_rules
"""
import ast
import os
import sys

# package -> the packages it must not import
FORBIDDEN = {"reference": {"train", "eval"}, "world": {"train", "eval"}, "flow": {"train", "eval"}, "eval": {"train"}}


def imported_packages(path: str):
    """(line, top-level package) of every absolute import in the file at `path`."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def violations(root: str):
    for package, forbidden in FORBIDDEN.items():
        for folder, _, names in os.walk(os.path.join(root, package)):
            for name in sorted(n for n in names if n.endswith(".py")):
                path = os.path.join(folder, name)
                for line, imported in imported_packages(path):
                    if imported in forbidden:
                        yield f"{os.path.relpath(path, root)}:{line}: {package}/ imports {imported}/"


def main():
    found = list(violations(os.path.dirname(os.path.abspath(__file__))))
    print("\n".join(found) if found else "imports run one way")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
