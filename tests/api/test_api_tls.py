"""TLS settings of the client's connection: verified for https, fail-closed for plain http."""

from __future__ import annotations

import ssl

from uploader.api.session import _tls_for


def test_https_verifies_with_httpx_default_roots() -> None:
    assert _tls_for("https://nekobt.to/api/v1") is True


def test_plain_http_gets_a_context_that_trusts_nothing_and_still_verifies() -> None:
    context = _tls_for("http://127.0.0.1:8765/api/v1")
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.get_ca_certs() == []  # any certificate would be refused
