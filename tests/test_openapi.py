"""The OpenAPI schema (``django-authsession[openapi]``): valid, complete, generated without a
warning, and true to what the endpoints answer."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("drf_spectacular")

import jsonschema  # type: ignore[import-untyped]
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.test import Client
from django.urls import URLPattern, reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema
from openapi_spec_validator import validate as validate_spec

from django_authsession import openapi, urls, views
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/auth/openapi.json"


@pytest.fixture
def schema() -> dict[str, Any]:
    GENERATOR_STATS.reset()
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def operation(schema: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return schema["paths"][path][method]


def assert_conforms(schema: dict[str, Any], method: str, path: str, response: Any) -> None:
    """The response's status is documented and its JSON body matches that status's schema."""
    documented = operation(schema, method, path)["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method.upper()} {path}: undocumented status {status}"
    assert response["Content-Type"] == "application/json"
    body_schema = documented[status]["content"]["application/json"]["schema"]
    root = {**body_schema, "components": schema["components"]}
    jsonschema.Draft202012Validator(root).validate(response.json())


def test_schema_is_served_valid_and_generated_without_warnings(schema) -> None:
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors"
    assert schema["openapi"].startswith("3.1")
    validate_spec(schema)
    validate_schema(schema)


def test_schema_url_is_named_and_documented() -> None:
    assert reverse("authsession_openapi:schema") == SCHEMA_URL
    page = Path(__file__).resolve().parent.parent / "docs" / "reference" / "openapi.md"
    assert f"GET {SCHEMA_URL}" in page.read_text(encoding="utf-8")


def test_every_endpoint_of_the_app_is_described(schema) -> None:
    """A new endpoint in urls.py without an ENDPOINTS entry fails here."""
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        path = reverse(f"authsession:{pattern.name}")
        assert path in schema["paths"], f"{path} is not in the OpenAPI schema"
    assert all(p.startswith("/api/auth/") for p in schema["paths"]), "foreign views leaked in"


def test_every_declared_view_exists_or_is_skipped(schema) -> None:
    described = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    for endpoint in openapi.ENDPOINTS:
        module = importlib.import_module(endpoint.module)
        assert (endpoint.operation_id in described) == hasattr(module, endpoint.view)


def test_cookie_security_scheme_names_the_token_cookie(client, settings) -> None:
    settings.AUTHSESSION_USE_SECURE_COOKIES = False
    schema = client.get(SCHEMA_URL).json()
    scheme = schema["components"]["securitySchemes"][openapi.SECURITY_SCHEME]
    assert scheme == {**scheme, "type": "apiKey", "in": "cookie"}
    assert scheme["name"] == "better-auth.session_token"
    list_sessions = operation(schema, "get", "/api/auth/list-sessions")
    # The cookie or, for clients without a cookie jar, the bearer header.
    assert list_sessions["security"] == [
        {openapi.SECURITY_SCHEME: []},
        {openapi.BEARER_SCHEME: []},
    ]
    bearer = schema["components"]["securitySchemes"][openapi.BEARER_SCHEME]
    assert bearer == {**bearer, "type": "http", "scheme": "bearer"}
    get_session = operation(schema, "get", "/api/auth/get-session")
    assert {} in get_session["security"]  # optional: no session is the null answer


def test_errors_list_their_codes_and_429_its_headers(schema) -> None:
    sign_in = operation(schema, "post", "/api/auth/sign-in/email")["responses"]
    codes = sign_in["401"]["content"]["application/json"]["schema"]["properties"]["code"]
    assert codes["enum"] == ["INVALID_EMAIL_OR_PASSWORD"]
    assert set(sign_in["429"]["headers"]) == {"Retry-After", "X-Retry-After"}
    assert {"set-auth-token", "Access-Control-Expose-Headers"} <= set(sign_in["200"]["headers"])
    list_sessions = operation(schema, "get", "/api/auth/list-sessions")["responses"]
    fresh = list_sessions["403"]["content"]["application/json"]["schema"]["properties"]["code"]
    assert fresh["enum"] == ["SESSION_NOT_FRESH"]
    links = sign_in["200"]["links"]
    assert links["RevokeSession"]["requestBody"] == {"token": "$response.body#/token"}


def test_answers_without_a_session_conform(schema, make_client) -> None:
    anonymous = make_client()
    for method, path in [
        ("get", "/api/auth/get-session"),
        ("get", "/api/auth/session"),
        ("post", "/api/auth/sign-out"),
        ("get", "/api/auth/list-sessions"),
        ("post", "/api/auth/revoke-session"),
        ("post", "/api/auth/revoke-sessions"),
    ]:
        assert_conforms(schema, method, path, getattr(anonymous, method)(path))
    assert anonymous.get("/api/auth/get-session").content == b"null"


def test_sign_up_and_session_answers_conform(schema, client) -> None:
    response = client.post(
        "/api/auth/sign-up/email",
        {"name": "Ada", "email": "ada@example.com", "password": "a-long-password-1"},
        content_type="application/json",
    )
    assert_conforms(schema, "post", "/api/auth/sign-up/email", response)
    for path in ["/api/auth/get-session", "/api/auth/session", "/api/auth/list-sessions"]:
        assert_conforms(schema, "get", path, client.get(path))
    response = client.post(
        "/api/auth/revoke-session",
        {"id": "00000000-0000-0000-0000-000000000000"},
        content_type="application/json",
    )
    assert response.json() == {"status": True}
    assert_conforms(schema, "post", "/api/auth/revoke-session", response)
    again = client.post(
        "/api/auth/sign-up/email",
        {"name": "Ada", "email": "ada@example.com", "password": "a-long-password-1"},
        content_type="application/json",
    )
    assert_conforms(schema, "post", "/api/auth/sign-up/email", again)


def test_sign_in_answers_conform(schema, client) -> None:
    user = UserFactory()
    path = "/api/auth/sign-in/email"
    for body in [
        {"email": user.email, "password": "wrong-password"},
        {"email": "not an email", "password": "x"},
        {"email": user.email, "password": DEFAULT_PASSWORD, "callbackURL": "https://evil.test/"},
        {"email": user.email, "password": DEFAULT_PASSWORD, "callbackURL": "/next"},
    ]:
        assert_conforms(schema, "post", path, client.post(path, body, "application/json"))
    bad_json = client.post(path, "{", content_type="application/json")
    assert_conforms(schema, "post", path, bad_json)
    xml = client.post(path, "<a/>", content_type="application/xml")
    assert_conforms(schema, "post", path, xml)
    for response in [client.post("/api/auth/sign-out", HTTP_ORIGIN="https://evil.test")]:
        assert_conforms(schema, "post", "/api/auth/sign-out", response)


def test_rate_limited_answer_conforms(schema, make_client, settings) -> None:
    settings.AUTHSESSION_RATE_LIMITS = {"/get-session": "1/60s"}
    anonymous = make_client()
    anonymous.get("/api/auth/get-session")
    response = anonymous.get("/api/auth/get-session")
    assert response.status_code == 429
    assert_conforms(schema, "get", "/api/auth/get-session", response)
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize("oas_version", ["3.0.3", "3.1.0"])
def test_a_projects_own_schema_gets_the_same_descriptions(oas_version) -> None:
    """A project generating its own drf-spectacular schema, with its own OpenAPI version,
    gets our descriptions for our URLs, valid and without a warning."""
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    GENERATOR_STATS.reset()
    patterns = [path("auth/", include("django_authsession.urls"))]
    with patched_settings({"OAS_VERSION": oas_version}):
        schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors"
    validate_spec(schema)
    validate_schema(schema)
    assert schema["paths"]["/auth/get-session"]["get"]["operationId"] == "getSession"
    null_answer = schema["components"]["schemas"]["NullableGetSessionResponse"]
    assert null_answer.get("nullable") or {"type": "null"} in null_answer.get("oneOf", [])


def test_change_password_is_described_once_its_view_exists(monkeypatch, settings) -> None:
    """Declared ahead of its view: skipped while absent, described as soon as it exists."""
    from django.urls import path
    from drf_spectacular.generators import SchemaGenerator

    class ChangePasswordView(views.AuthView):
        endpoint = "/change-password"

        def post(self, request: Any) -> Any:
            raise NotImplementedError

    settings.AUTHSESSION_MIN_PASSWORD_LENGTH = 12
    monkeypatch.setattr(views, "ChangePasswordView", ChangePasswordView, raising=False)
    extension = next(e for e in openapi.VIEW_EXTENSIONS if e.__name__ == "ChangePasswordViewSchema")
    monkeypatch.setattr(extension, "target_class", f"{openapi.VIEWS}.ChangePasswordView")
    GENERATOR_STATS.reset()
    patterns = [path("auth/change-password", ChangePasswordView.as_view())]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors"
    validate_spec(schema)
    change = schema["paths"]["/auth/change-password"]["post"]
    assert change["operationId"] == "changePassword"
    assert change["security"] == [{openapi.SECURITY_SCHEME: []}, {openapi.BEARER_SCHEME: []}]
    bad = change["responses"]["400"]["content"]["application/json"]["schema"]
    assert "INVALID_PASSWORD" in bad["properties"]["code"]["enum"]
    unauthorized = change["responses"]["401"]["content"]["application/json"]["schema"]
    assert unauthorized["properties"]["code"]["enum"] == ["UNAUTHORIZED"]
    body = schema["components"]["schemas"]["ChangePasswordRequest"]
    assert set(body["required"]) == {"currentPassword", "newPassword"}
    assert body["properties"]["newPassword"]["minLength"] == 12
    answer = schema["components"]["schemas"]["ChangePasswordResponse"]
    token = answer["properties"]["token"]
    assert token.get("nullable") is True or token["type"] == ["string", "null"]


def test_schema_urls_without_drf_spectacular_say_what_to_install(monkeypatch) -> None:
    import importlib.util
    import sys

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setitem(sys.modules, "drf_spectacular.views", None)  # as if not installed
    spec = importlib.util.find_spec("django_authsession.openapi_urls")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with pytest.raises(ImproperlyConfigured, match=r"django-authsession\[openapi\]"):
        spec.loader.exec_module(module)


def test_change_password_answers_conform(schema, client) -> None:
    user: Any = UserFactory()
    assert sign_in(client, user.email).status_code == 200
    path = "/api/auth/change-password"
    for body in [
        {"currentPassword": "wrong-password", "newPassword": "another-password-1"},
        {"currentPassword": DEFAULT_PASSWORD, "newPassword": "short"},
        {"currentPassword": DEFAULT_PASSWORD, "newPassword": "x" * 500},
        {"currentPassword": DEFAULT_PASSWORD},
        {"currentPassword": DEFAULT_PASSWORD, "newPassword": "another-password-1"},
    ]:
        assert_conforms(schema, "post", path, client.post(path, body, "application/json"))
    anonymous = Client(HTTP_ORIGIN="http://testserver")
    assert_conforms(schema, "post", path, anonymous.post(path, {}, "application/json"))


def test_admin_answers_conform(schema, client) -> None:
    """The admin API's answers (django_authsession.admin_api), success and refusal."""
    from django.contrib.auth.models import Permission

    admin: Any = UserFactory(is_staff=True, is_superuser=True)
    target: Any = UserFactory()
    plain: Any = UserFactory()
    email = admin.get_email_field_name()
    assert sign_in(client, getattr(admin, email), DEFAULT_PASSWORD).status_code == 200
    body = {"userId": str(target.pk)}

    def call(path: str, data: dict[str, Any] | None = None, via: Client = client) -> Any:
        response = via.post(f"/api/auth{path}", data or {}, content_type="application/json")
        assert_conforms(schema, "post", f"/api/auth{path}", response)
        return response

    assert call("/admin/list-user-sessions", body).status_code == 200
    assert call("/admin/ban-user", {**body, "banExpiresIn": 60}).status_code == 200
    assert call("/admin/ban-user", {"userId": str(admin.pk)}).status_code == 400
    assert call("/admin/unban-user", body).status_code == 200
    assert call("/admin/revoke-user-session", {"sessionToken": "x"}).status_code == 200
    assert call("/admin/revoke-user-sessions", body).status_code == 200
    assert call("/admin/stop-impersonating").status_code == 400
    assert call("/admin/impersonate-user", {"userId": "nobody"}).status_code == 404
    assert call("/admin/impersonate-user", body).status_code == 200
    assert call("/admin/stop-impersonating").status_code == 200
    other = Client(HTTP_ORIGIN="http://testserver")
    assert sign_in(other, getattr(plain, email), DEFAULT_PASSWORD).status_code == 200
    assert not Permission.objects.filter(user=plain).exists()
    assert call("/admin/impersonate-user", body, other).status_code == 403
    assert call("/admin/list-user-sessions", body, Client()).status_code == 401


def request_schema(schema: dict[str, Any], path: str) -> jsonschema.Draft202012Validator:
    body = operation(schema, "post", path)["requestBody"]["content"]["application/json"]
    root = {**body["schema"], "components": schema["components"]}
    checker = jsonschema.FormatChecker()  # "uri" by Django's URLValidator: no rfc3987 needed
    checker.checks("uri", raises=ValidationError)(lambda value: URLValidator()(value) is None)
    return jsonschema.Draft202012Validator(root, format_checker=checker)


@pytest.mark.parametrize(
    ("image", "status"),
    [("", 200), ("https://example.com/ada.png", 200), ("not a url", 400)],
)
def test_sign_up_image_is_described_as_the_endpoint_takes_it(schema, client, image, status) -> None:
    """An empty avatar is no avatar, not an error: the schema must say so, or a client
    checking its body against it (and a fuzzer) disagrees with the endpoint."""
    body = {"name": "Ada", "email": "ada@example.com", "password": "a-long-password-1"}
    body["image"] = image
    response = client.post("/api/auth/sign-up/email", body, content_type="application/json")
    assert response.status_code == status
    assert request_schema(schema, "/api/auth/sign-up/email").is_valid(body) == (status == 200)
