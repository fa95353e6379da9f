"""The documentation site (docs/): the reference pages generated from the code cover every
setting, system check and endpoint, and the runnable examples of the pages run.

The generators live in ``docs/_ext/authsession_docs.py`` (a Sphinx extension); these tests use
the same functions, so what fails here is what the site would show wrong or not at all."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory

from django_authsession import conf
from django_authsession.models import Session
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import sign_in

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

# docs/_ext is a Sphinx extension directory, not a package of the project.
authsession_docs: Any = importlib.import_module("authsession_docs")

RUNNABLE = re.compile(
    r"^```\{code-block\} python\n((?::[^\n]*\n)*)\n?(.*?)^```", re.MULTILINE | re.DOTALL
)
PAGES = sorted(
    p for p in DOCS.rglob("*.md") if "_build" not in p.parts and "_generated" not in p.parts
)


def runnable_blocks(page: Path) -> list[tuple[int, str]]:
    """``(line, code)`` of each ```{code-block} python block with ``:class: runnable``."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in RUNNABLE.finditer(text):
        options = match.group(1).split("\n")
        if any(o.strip() == ":class: runnable" for o in options):
            line = text.count("\n", 0, match.start(2)) + 1
            blocks.append((line, match.group(2)))
    return blocks


def run_page(relative: str) -> dict[str, Any]:
    """Run a page's runnable blocks in order in one namespace, as a reader would paste them."""
    page = DOCS / relative
    namespace: dict[str, Any] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    for line, code in runnable_blocks(page):
        exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)
    return namespace


# -- Pages ---------------------------------------------------------------------------------------


def test_every_page_starts_with_its_title() -> None:
    for page in PAGES:
        first = page.read_text(encoding="utf-8").split("\n", 1)[0]
        assert first.startswith("# "), f"{page.relative_to(ROOT)} does not start with '# Title'"


def test_the_newcomers_questions_are_answered_from_the_front_page() -> None:
    """One click from the site's first page: the pages for the questions people land with."""
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for target in (
        "tutorial/install.md",
        "tutorial/react-front-end.md",
        "howto/own-login-views.md",
        "reference/settings.md",
        "reference/errors.md",
        "howto/cleanup.md",
    ):
        assert f"]({target})" in index, f"index.md does not link {target}"
        assert (DOCS / target).exists()


@pytest.mark.parametrize(
    "page",
    [p.relative_to(DOCS).as_posix() for p in PAGES if runnable_blocks(p)],
)
@pytest.mark.django_db
def test_runnable_examples_run(page: str) -> None:
    run_page(page)


def test_the_tutorial_and_how_tos_have_runnable_examples() -> None:
    runnable = {p.relative_to(DOCS).parts[0] for p in PAGES if runnable_blocks(p)}
    assert {"tutorial", "howto"} <= runnable


@pytest.mark.django_db
def test_own_login_view_example_signs_in_and_out() -> None:
    """The how-to's login view, behind the middleware: a session row and its cookie."""
    from django_authsession.cookies import token_cookie_name
    from django_authsession.middleware import AuthSessionMiddleware

    namespace = run_page("howto/own-login-views.md")
    user: Any = UserFactory()
    request = RequestFactory().post(
        "/login/", {"username": user.get_username(), "password": DEFAULT_PASSWORD}
    )
    response = AuthSessionMiddleware(namespace["login_view"])(request)
    assert response.status_code == 302
    assert Session.objects.filter(user=user).count() == 1
    assert response.cookies[token_cookie_name()].value

    wrong = RequestFactory().post("/login/", {"username": user.get_username(), "password": "x"})
    assert AuthSessionMiddleware(namespace["login_view"])(wrong).status_code == 401

    request = RequestFactory().post("/logout/")
    request.COOKIES[token_cookie_name()] = response.cookies[token_cookie_name()].value
    AuthSessionMiddleware(namespace["logout_view"])(request)
    assert not Session.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_drf_view_example_answers_the_signed_in_user(client) -> None:
    """The how-to's ``MeView`` behind the middleware: 401 without a session, the email with."""
    from django_authsession.cookies import token_cookie_name
    from django_authsession.middleware import AuthSessionMiddleware

    view = run_page("howto/drf-views.md")["MeView"].as_view()
    assert AuthSessionMiddleware(view)(RequestFactory().get("/me/")).status_code == 401

    user: Any = UserFactory()
    assert sign_in(client, user.email).status_code == 200
    request = RequestFactory().get("/me/")
    request.COOKIES[token_cookie_name()] = client.cookies[token_cookie_name()].value
    response = AuthSessionMiddleware(view)(request)
    response.render()
    assert response.status_code == 200
    assert response.data == {"email": user.email}


@pytest.mark.django_db
def test_signals_example_receiver_hears_a_sign_in(client) -> None:
    namespace = run_page("reference/signals.md")
    heard: list[Any] = []
    original = namespace["audit_login"]
    from django_authsession.signals import session_created

    def spy(sender: Any, session: Any, request: Any, **kwargs: Any) -> None:
        heard.append(session)
        original(sender, session=session, request=request, **kwargs)

    session_created.connect(spy)
    try:
        user: Any = UserFactory()
        assert sign_in(client, user.email).status_code == 200
    finally:
        session_created.disconnect(spy)
        session_created.disconnect(original)
    assert [s.user_id for s in heard] == [user.pk]


# -- Settings ------------------------------------------------------------------------------------


def test_every_setting_has_a_docstring() -> None:
    """A new ``@setting`` without a docstring would be a setting the site cannot explain."""
    assert authsession_docs.undocumented_settings() == []


def test_settings_reference_lists_every_setting_the_package_names() -> None:
    documented = {doc.name for doc in authsession_docs.setting_docs()}
    assert "AUTHSESSION_EXPIRES_IN" in documented
    assert "AUTHSESSION_SECRET_FALLBACKS" in documented  # read by the derived SECRETS
    named = set()
    for path in authsession_docs.package_source_files():
        named |= set(re.findall(r"\bAUTHSESSION_[A-Z][A-Z0-9_]*\b", path.read_text()))
    assert named - documented == set(), "settings the package reads but the docs do not list"
    page = authsession_docs.settings_markdown()
    for name in documented:
        assert f"## {name}\n" in page


def test_settings_reference_gives_type_and_default() -> None:
    docs = {doc.name: doc for doc in authsession_docs.setting_docs()}
    assert docs["AUTHSESSION_EXPIRES_IN"].type == "int"
    assert docs["AUTHSESSION_EXPIRES_IN"].default == "604800"
    assert docs["AUTHSESSION_DEFAULT_RATE_LIMIT"].type == "str | None"
    assert docs["AUTHSESSION_DEFAULT_RATE_LIMIT"].default == repr(conf.DEFAULT_RATE_LIMIT)


class _Probe(conf.AppSettings):
    prefix = "AUTHSESSION_PROBE_"

    @conf.setting
    def DOCUMENTED(self) -> int:
        """Documented."""
        return int(self._get("DOCUMENTED", 3))

    @conf.setting
    def UNDOCUMENTED(self) -> bool:
        return bool(self._get("UNDOCUMENTED", False))


def test_a_setting_without_docstring_is_reported(settings) -> None:
    settings.AUTHSESSION_PROBE_DOCUMENTED = 9  # the default comes from the code, not settings
    objects = [("probe.conf", _Probe())]
    assert authsession_docs.undocumented_settings(objects) == ["probe.conf._Probe.UNDOCUMENTED"]
    docs = {doc.name: doc for doc in authsession_docs.setting_docs(objects)}
    assert docs["AUTHSESSION_PROBE_DOCUMENTED"].default == "3"
    # The core settings come with the subclass, documented once under the subclass's prefix.
    assert "AUTHSESSION_PROBE_EXPIRES_IN" in docs


def test_a_subpackage_conf_is_found(tmp_path, monkeypatch) -> None:
    """An optional app's ``django_authsession/<app>/conf.py`` with a settings object of its own
    is picked up without registering it anywhere."""
    import django_authsession

    app = tmp_path / "probeapp"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "conf.py").write_text(
        "from django_authsession.conf import AppSettings, setting\n\n\n"
        "class ProbeSettings(AppSettings):\n"
        '    prefix = "AUTHSESSION_PROBEAPP_"\n\n'
        "    @setting\n"
        "    def INTERVAL(self) -> int:\n"
        '        return int(self._get("INTERVAL", 300))\n\n\n'
        "probe_settings = ProbeSettings()\n"
    )
    monkeypatch.setattr(
        django_authsession, "__path__", [*django_authsession.__path__, str(tmp_path)]
    )
    try:
        found = [name for name, _ in authsession_docs.settings_objects()]
        assert "django_authsession.probeapp.conf" in found
        assert authsession_docs.undocumented_settings() == [
            "django_authsession.probeapp.conf.ProbeSettings.INTERVAL"
        ]
    finally:
        for name in [m for m in sys.modules if m.startswith("django_authsession.probeapp")]:
            del sys.modules[name]


# -- System checks -------------------------------------------------------------------------------


def test_every_check_id_in_the_source_is_catalogued() -> None:
    """A check id written in the package without a catalogue entry would be undocumented; an
    entry no code uses documents a check that does not exist."""
    used = authsession_docs.check_ids_in_source()
    catalogue = authsession_docs.check_catalogue()
    assert "django_authsession.E001" in used
    missing = {check_id: used[check_id] for check_id in set(used) - set(catalogue)}
    assert not missing, f"check ids without an entry in a checks.py CATALOGUE: {missing}"
    assert set(catalogue) - set(used) == set(), "catalogued ids no code emits"


def test_every_catalogued_check_says_what_to_change() -> None:
    for check_id, entry in authsession_docs.check_catalogue().items():
        assert entry.problem.strip() and entry.fix.strip(), check_id
    page = authsession_docs.checks_markdown()
    assert "## django_authsession.W004\n" in page
    assert "with `check --deploy` only" in page


# -- Endpoints -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    pytest.importorskip("drf_spectacular")
    return authsession_docs.openapi_schema()


def test_every_url_pattern_of_the_package_has_a_documented_operation(schema) -> None:
    """A URL pattern of the package that the schema does not describe, or describes without a
    summary and a description, would be missing from the endpoint reference."""
    patterns = authsession_docs.url_patterns_of_package()
    assert len(patterns) >= 10
    for path, pattern in patterns:
        assert path in schema["paths"], f"{path} ({pattern}) has no operation in the schema"
        for method, operation in schema["paths"][path].items():
            assert operation.get("summary", "").strip(), f"{method.upper()} {path}: no summary"
            assert operation.get("description", "").strip(), f"{method.upper()} {path}: no text"


def test_endpoint_reference_shows_each_operation_with_examples(schema) -> None:
    page = authsession_docs.endpoints_markdown(schema)
    for path, method, _operation in authsession_docs.operations(schema):
        assert f"### {method.upper()} {path}\n" in page
    assert '"email": "ada@example.com"' in page  # an example body built from the schema


def test_every_error_code_of_the_schema_is_explained(schema) -> None:
    errors_page = (DOCS / "reference" / "errors.md").read_text(encoding="utf-8")
    code_cells = re.findall(r"^\| \d{3} \| ([^|]+) \|", errors_page, re.MULTILINE)
    explained = {code for cell in code_cells for code in re.findall(r"`([A-Z_]+)`", cell)}
    assert authsession_docs.error_codes_in_schema(schema) - explained == set()


def test_management_commands_are_documented() -> None:
    page = authsession_docs.commands_markdown()
    assert "## cleanup_sessions\n" in page
    assert "--max-batch-seconds" in page


# -- Links into the site from the repository's own files -----------------------------------------


def _slug(heading: str) -> str:
    """GitHub's heading anchors, which MyST's ``myst_heading_anchors`` also uses."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    generated = {
        "settings.md": authsession_docs.settings_markdown,
        "checks.md": authsession_docs.checks_markdown,
        "commands.md": authsession_docs.commands_markdown,
    }
    for name, make in generated.items():
        if f"_generated/{name}" in text:
            text += "\n" + make()
    return {_slug(h) for h in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


@pytest.mark.parametrize("source", ["README.md", "CHANGELOG.md"])
def test_links_into_the_docs_name_existing_pages_and_headings(source: str) -> None:
    """The README's and the changelog's links to pages (and their headings) are not broken."""
    text = (ROOT / source).read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#\s]+)(?:#([^)\s]+))?\)", text)
    assert links
    for target, anchor in links:
        page = ROOT / target
        assert page.exists(), f"{source} links {target}, which does not exist"
        if anchor:
            assert anchor in _anchors(page), f"{source} links {target}#{anchor}: no such heading"
