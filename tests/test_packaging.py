"""What the package promises about its installation: the tutorial's MIDDLEWARE is what
``startproject`` writes plus ours, and the dependency floors and bounds are the ones tox tests."""

from __future__ import annotations

import ast
import configparser
import re
from importlib.metadata import requires
from pathlib import Path

import django
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
OURS = "django_authsession.middleware.AuthSessionMiddleware"


def startproject_middleware() -> list[str]:
    template = Path(django.__file__).parent / "conf/project_template/project_name/settings.py-tpl"
    match = re.search(r"^MIDDLEWARE = (\[.*?\])", template.read_text(), re.MULTILINE | re.DOTALL)
    assert match, "Django's project template has no MIDDLEWARE list"
    middleware: list[str] = ast.literal_eval(match.group(1))
    return middleware


def tutorial_middleware() -> list[str]:
    """The MIDDLEWARE of the install tutorial (docs/tutorial/install.md)."""
    page = (ROOT / "docs" / "tutorial" / "install.md").read_text(encoding="utf-8")
    match = re.search(r"^MIDDLEWARE = (\[.*?\])\n```", page, re.DOTALL | re.MULTILINE)
    assert match, "docs/tutorial/install.md shows no MIDDLEWARE block"
    code = re.sub(r"#.*", "", match.group(1))
    middleware: list[str] = ast.literal_eval(code)
    return middleware


def test_tutorial_middleware_is_startprojects_with_ours_after_authentication() -> None:
    expected = startproject_middleware()
    expected.insert(
        expected.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, OURS
    )
    assert tutorial_middleware() == expected


def test_example_project_uses_the_tutorial_middleware() -> None:
    from example_project import settings as example_settings

    assert tutorial_middleware() == example_settings.MIDDLEWARE


def _dependencies() -> dict[str, Requirement]:
    """The installed package's own requirements (its metadata, not the extras)."""
    requirements = [Requirement(line) for line in requires("django-authsession") or []]
    return {r.name.lower(): r for r in requirements if r.marker is None}


def _tox_deps() -> dict[str, list[Requirement]]:
    """tox's deps by factor: {"lowest": [...], "django61": [...], ...}."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini", encoding="utf-8")
    by_factor: dict[str, list[Requirement]] = {}
    for line in tox["testenv"]["deps"].strip().splitlines():
        factor, _, requirement = line.partition(":")
        by_factor.setdefault(factor.strip(), []).append(Requirement(requirement.strip()))
    return by_factor


def test_dependency_floors_are_the_pins_of_the_lowest_tox_env() -> None:
    dependencies = _dependencies()
    lowest = _tox_deps()["lowest"]
    assert {pin.name.lower() for pin in lowest} == set(dependencies)
    for pin in lowest:
        (spec,) = [s for s in pin.specifier if s.operator == "=="]
        floors = [s for s in dependencies[pin.name.lower()].specifier if s.operator == ">="]
        assert [Version(s.version) for s in floors] == [Version(spec.version)], pin


def test_django_upper_bound_is_the_newest_feature_release_in_the_grid() -> None:
    (ceiling,) = [s for s in _dependencies()["django"].specifier if s.operator == "<"]
    tested = [
        Version(f"{factor[6]}.{factor[7:]}")
        for factor in _tox_deps()
        if re.fullmatch(r"django\d\d+", factor)
    ]
    newest = max(tested)
    assert Version(ceiling.version) == Version(f"{newest.major}.{newest.minor + 1}")
