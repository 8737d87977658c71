"""Loopback addresses: reached without a proxy by the LLM client, served without a password warning by the page."""

import pytest

from policy_qa.network import is_loopback_host, is_loopback_url


def test_loopback_hosts():
    assert is_loopback_host("127.0.0.1") and is_loopback_host("localhost") and is_loopback_host("::1")
    assert not is_loopback_host("0.0.0.0") and not is_loopback_host("192.168.1.5") and not is_loopback_host("example.org")


@pytest.mark.parametrize(
    ("url", "loopback"),
    [("http://127.0.0.1:8080/v1", True), ("http://localhost/v1", True), ("http://[::1]:1/v1", True),
     ("https://api.deepseek.com/v1", False), ("http://10.0.0.5:8000/v1", False)],
)
def test_loopback_urls(url, loopback):
    assert is_loopback_url(url) is loopback
