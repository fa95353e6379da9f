import pytest

from django_authsession.devices import UNKNOWN_DEVICE, describe_user_agent

CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (CHROME_MAC, "Chrome on macOS"),
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (SAFARI_IPHONE, "Mobile Safari on iOS"),
        ("curl/8.4.0", "curl"),
        ("", UNKNOWN_DEVICE),
        (None, UNKNOWN_DEVICE),
        ("\x00\xff" * 5000, UNKNOWN_DEVICE),
    ],
)
def test_describe_user_agent(user_agent, expected):
    assert describe_user_agent(user_agent) == expected
