"""The house's rules, checked on the import graph of src/ (read with ``ast``, nothing run).

Imports run one way (no cycle); deciding modules depend on types only, never on I/O or
rendering; each third-party library is imported by one module; importing the package,
its public types or its config loads no heavy library; and the module map in
docs/how-it-works.md is the graph as it is. The graph: docs/generate_module_map.py.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import copro_feeds

ROOT = Path(__file__).resolve().parent.parent
_SPEC = importlib.util.spec_from_file_location(
    "generate_module_map", ROOT / "docs" / "generate_module_map.py"
)
assert _SPEC is not None and _SPEC.loader is not None
module_map = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(module_map)

P = "copro_feeds."

# Each library → the one module (or backend package) of ours that imports it; anyone else
# asks that module, which grows a function. A package counts as one module: requests and
# urllib3 live in ``_fetch/`` (its submodules split the fetcher's jobs). sqlite3 is in the
# standard library but is the store's database driver: a backend package (``_store/sqlite/``)
# counts as one module, and until the store is split the ``_store`` module holds it. The
# first name that exists wins.
BOUNDARIES: dict[str, tuple[str, ...]] = {
    "apscheduler": (P + "_schedule",),
    "babel": (P + "_i18n",),
    "argon2": (P + "_admin",),
    "brotli": (P + "_decode",),
    "bs4": (P + "_text",),
    "feedgen": (P + "_publish._feedgen",),
    "feedparser": (P + "_parse",),
    "flask": (P + "_admin",),
    "flask_wtf": (P + "_admin",),
    "jinja2": (P + "_publish._html",),
    "lingua": (P + "_detect",),
    "lxml": (P + "_xml",),
    "markupsafe": (P + "_publish._html",),
    "numpy": (P + "_similarity",),
    "nh3": (P + "_text",),
    "procrastinate": (P + "_queue",),
    "prometheus_client": (P + "_metrics",),
    "psycopg": (P + "_store.postgresql",),
    "psycopg_pool": (P + "_store.postgresql",),
    "requests": (P + "_fetch",),
    "sqlite3": (P + "_store.sqlite", P + "_store"),
    "tomlkit": (P + "_admin",),
    "tqdm": (P + "_progress",),
    "urllib3": (P + "_fetch",),
    "waitress": (P + "_serve",),
    "wtforms": (P + "_admin",),
}

# Deciding what to fetch, keep and publish: pure functions over frozen data.
DECIDERS = {"_archive_plan", "_dedupe", "_due", "_explain", "_filter", "_roundup_plan", "_select"}
# All a decider may import: types, settings (and the checks that read them), the plan it
# hands the publisher, and pure helpers (text cleaning, links, entry references). No
# fetching, storing, rendering, writing, serving or scheduling.
DECIDERS_MAY_USE = DECIDERS | {
    "_config_check",
    "_editorial",
    "_i18n",  # our words and dates in the site's language: pure, reads its own catalogues
    "_normalise",
    "_plan",
    "_similarity",  # fingerprints' arithmetic (numpy's one module): pure, no I/O
    "_text",
    "_types",
    "_urls",
    "_version",
    "config",
    "exceptions",
    "types",
}
# Modules that do I/O or render: what deciders must never reach (a second, plainer
# statement of the rule above, so that adding one of these to the list above fails).
IO_OR_RENDERING = {
    "_admin",
    "_cli",
    "_cli_base",
    "_cli_editorial",
    "_cli_users",
    "_cycle",
    "_decode",
    "_fetch",
    "_files",
    "_health",
    "_ingest",
    "_monitor",
    "_parse",
    "_publish",
    "_publishing",
    "_refresh",
    "_sandbox",
    "_schedule",
    "_serve",
    "_static",
    "_status",
    "_store",
    "_xml",
    "core",
}

# What ``import copro_feeds`` (and its public types and config) must not load.
HEAVY = (
    "apscheduler",
    "babel",
    "argon2",
    "flask",
    "flask_wtf",
    "tomlkit",
    "wtforms",
    "bs4",
    "datasketch",
    "feedgen",
    "feedparser",
    "jinja2",
    "lingua",
    "lxml",
    "nh3",
    "numpy",
    "prometheus_client",
    "requests",
    "scipy",
    "tqdm",
    "waitress",
)


@pytest.fixture(scope="module")
def graph():
    return module_map.import_graph()


def short(module: str) -> str:
    """``copro_feeds._publish._html`` → ``_publish``: the top-level box of a module."""
    return module.removeprefix(P).split(".")[0]


def test_the_graph_is_read_from_the_source(graph):
    # the walker sees what matters, so the rules below are not vacuous
    assert {P + "core", P + "_publish", P + "_publish._html", P + "types"} <= graph.modules
    assert P + "_select" in graph.edges[P + "core"]
    assert P + "_publish" in graph.packages
    assert graph.edges[P + "_publish._roundup_pages"] >= {P + "_publish._html", P + "_plan"}
    # a function-level import counts (the CLI imports the facade when a command runs)
    assert P + "core" in graph.edges[P + "_cli"]
    # a TYPE_CHECKING-only import does not: the package root imports its names lazily
    assert graph.edges[P[:-1]] == {P + "_version"}
    assert graph.libraries["feedparser"] == {P + "_parse"}


def test_the_walker_counts_function_imports_and_packages_but_not_type_checking(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "leaf.py").write_text("from .. import b\n")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from pkg import c\nelse:\n    import json\n"
        "def f():\n    from pkg.sub import leaf\n    import requests\n"
    )
    (package / "b.py").write_text("import pkg.a\n")
    (package / "c.py").write_text("")
    found = module_map.import_graph(package)
    assert found.edges["pkg.a"] == {"pkg.sub", "pkg.sub.leaf"}
    assert found.edges["pkg.sub.leaf"] == {"pkg.b"}
    assert found.libraries == {"typing": {"pkg.a"}, "json": {"pkg.a"}, "requests": {"pkg.a"}}
    assert [sorted(group) for group in found.cycles()] == [["pkg.a", "pkg.b", "pkg.sub.leaf"]]


def test_imports_run_one_way(graph):
    cycles = [sorted(group) for group in graph.cycles()]
    assert cycles == [], f"import cycles: {cycles}"


def test_no_module_imports_the_package_root(graph):
    # the root re-exports everything, so a module importing it would close a loop
    importers = sorted(m for m, targets in graph.edges.items() if P[:-1] in targets)
    assert importers == []


def test_deciding_modules_depend_on_types_only(graph):
    for decider in sorted(DECIDERS):
        reached = {short(module) for module in graph.reachable(P + decider)}
        assert reached <= DECIDERS_MAY_USE, (decider, sorted(reached - DECIDERS_MAY_USE))
        assert not reached & IO_OR_RENDERING, (decider, sorted(reached & IO_OR_RENDERING))
        assert graph.reachable(P + decider) <= graph.modules


def test_only_the_facade_uses_the_publisher(graph):
    users = {
        importer
        for importer, targets in graph.edges.items()
        if any(short(target) == "_publish" for target in targets) and short(importer) != "_publish"
    }
    assert users == {P + "_publishing"}  # the facade (core) publishes through it


def test_each_library_is_imported_by_its_one_boundary_module(graph):
    outside = {
        library
        for library in graph.libraries
        if library not in sys.stdlib_module_names or library in BOUNDARIES
    }
    assert outside == set(BOUNDARIES), "a new library needs its boundary listed in BOUNDARIES"
    for library, candidates in BOUNDARIES.items():
        boundary = next(
            (name for name in candidates if name in graph.modules),
            None,
        )
        assert boundary is not None, (library, candidates)
        allowed = {boundary}
        if boundary in graph.packages:  # a backend package is one module for its driver
            allowed |= {m for m in graph.modules if m.startswith(boundary + ".")}
        importers = graph.libraries[library]
        assert importers <= allowed, (library, sorted(importers - allowed))


def loaded_after(statement: str) -> set[str]:
    """The top-level module names a fresh interpreter holds after ``statement``."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return {name.split(".")[0] for name in json.loads(result.stdout)}


@pytest.mark.parametrize(
    "statement",
    [
        "import copro_feeds",
        "import copro_feeds.types",
        "import copro_feeds.config",
        "from copro_feeds import Entry, Config, CoproFeedsError, load_config, __version__",
        "import copro_feeds._cli",  # what `copro-feeds --help` loads
    ],
)
def test_importing_the_package_loads_no_heavy_library(statement):
    loaded = loaded_after(statement)
    assert "copro_feeds" in loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_the_facade_still_loads_its_libraries_when_used():
    # the other side of the lazy imports: the check above can see a library load
    loaded = loaded_after("import copro_feeds\ncopro_feeds.make_aggregator")
    assert {"requests", "feedparser", "feedgen", "jinja2"} <= loaded


def test_the_lazy_names_are_the_public_names_and_their_modules():
    tree = ast.parse((ROOT / "src" / "copro_feeds" / "__init__.py").read_text())
    checked = {
        alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module != "copro_feeds._version"
        for alias in node.names
    }  # what type checkers see, under TYPE_CHECKING
    assert checked == copro_feeds._DEFINED_IN
    assert set(checked) == set(copro_feeds.__all__) - {"__version__"}
    for name, module in checked.items():
        assert getattr(copro_feeds, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = copro_feeds.no_such_name


def test_the_version_is_written_once():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject
    assert 'attr = "copro_feeds._version.__version__"' in pyproject
    assert copro_feeds.__version__ == importlib.import_module("copro_feeds._version").__version__
    assert importlib.metadata.version("copro-feeds") == copro_feeds.__version__


def test_the_module_map_in_the_docs_is_the_import_graph(graph):
    page = (ROOT / "docs" / "how-it-works.md").read_text()
    assert module_map.render_section(graph) in page, (
        "docs/how-it-works.md's module map is stale: run python docs/generate_module_map.py"
    )
    drawn = module_map.render_map(graph)
    for box in ("core", "_publish/", "_select", "_plan", "types"):
        assert f"\n{box} " in f"\n{drawn}" or f"\n{box}\n" in f"\n{drawn}\n", box
