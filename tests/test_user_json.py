"""The cookie cache round-trips any JSON the user serializer returns; output it cannot carry
is a start-up error, never a silent fall back to the database on every request."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from tests.helpers import run_checks, sign_in

pytestmark = pytest.mark.django_db
URL = "/api/auth/get-session"


@pytest.mark.parametrize(
    "serializer",
    [
        "tests.user_serializers.IntegerIdAndNestedSerializer",
        "tests.user_serializers.UserModelSerializer",
    ],
)
def test_any_json_user_object_is_served_from_the_cookie_cache(
    settings, client, user, serializer: str, django_assert_num_queries
) -> None:
    settings.AUTHSESSION_USER_SERIALIZER = serializer
    signed_in_user = sign_in(client, user.email).json()["user"]
    with django_assert_num_queries(0):
        cached = client.get(URL).json()["user"]
    fresh = client.get(URL, {"disableCookieCache": "true"}).json()["user"]
    assert cached == fresh == signed_in_user
    assert cached["email"] == user.email
    if serializer.endswith("Nested"):
        assert cached["id"] == 12345
        assert cached["profile"]["roles"][1] == {"scope": "billing", "level": 2}


def test_serializer_output_json_cannot_carry_is_a_check_error(settings) -> None:
    settings.AUTHSESSION_USER_SERIALIZER = "tests.user_serializers.RawUUIDSerializer"
    errors = [m for m in run_checks() if m.id == "django_authsession.E013"]
    assert len(errors) == 1
    assert "user.id" in errors[0].msg and "UUID" in errors[0].msg


def test_the_default_and_json_serializers_pass_the_check(settings) -> None:
    for path in (
        "django_authsession.serializers.UserSerializer",
        "tests.user_serializers.IntegerIdAndNestedSerializer",
        "tests.user_serializers.UserModelSerializer",
    ):
        settings.AUTHSESSION_USER_SERIALIZER = path
        assert not [m for m in run_checks() if m.id == "django_authsession.E013"], path


def test_at_run_time_the_error_names_the_field(settings, client, user) -> None:
    settings.AUTHSESSION_USER_SERIALIZER = "tests.user_serializers.RawUUIDSerializer"
    with pytest.raises(ImproperlyConfigured, match=r"user\.id: .*UUID"):
        sign_in(client, user.email)


def test_a_failing_serializer_leaves_no_session_row(settings, user) -> None:
    from django_authsession import cookies
    from django_authsession.models import Session

    settings.AUTHSESSION_USER_SERIALIZER = "tests.user_serializers.BrokenSerializer"
    client = Client(raise_request_exception=False, HTTP_ORIGIN="http://testserver")
    response = sign_in(client, user.email)
    assert response.status_code == 500
    assert not response.cookies.get(cookies.token_cookie_name())
    assert not Session.objects.filter(user_id=user.pk).exists()
