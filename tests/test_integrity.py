"""Optimistic locking refuses what it cannot prove; the audit log keeps the real client address."""

import pytest
from django.test import RequestFactory

from cases.audit import client_address
from cases.integrity import ConflictError, check_version


class Row:
    lock_version = 3


@pytest.mark.parametrize("submitted", [None, "", "abc", 2, "4"])
def test_a_missing_garbled_or_stale_version_is_a_conflict(submitted):
    with pytest.raises(ConflictError):
        check_version(Row(), submitted)


@pytest.mark.parametrize("submitted", [3, "3"])
def test_the_current_version_passes(submitted):
    check_version(Row(), submitted)


def request_from(remote, forwarded=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


def test_without_trusted_proxies_the_socket_address_is_kept(settings):
    settings.PROXY_COUNT = 0
    assert client_address(request_from("10.0.0.5", "203.0.113.9")) == "10.0.0.5"


def test_behind_one_trusted_proxy_the_address_it_appended_is_used(settings):
    settings.PROXY_COUNT = 1
    # The client wrote the first entry itself; only the proxy's own entry is believed.
    forwarded = "198.51.100.1, 203.0.113.9"
    assert client_address(request_from("10.0.0.5", forwarded)) == "203.0.113.9"


def test_a_garbled_forwarded_header_falls_back_to_the_socket(settings):
    settings.PROXY_COUNT = 1
    assert client_address(request_from("10.0.0.5", "not-an-address")) == "10.0.0.5"
