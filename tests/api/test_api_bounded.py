"""Bounded against broken servers: the total deadline, the answer caps, and answers that are not
what the reference documents (issue 14). Drips need real sockets: a raw server on 127.0.0.1
whose every loop stops by itself; the rest goes through the in-process transport."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_fakes import UPLOAD, MakeClient, ScriptedSite, ok, reply
from test_api_endpoints import CHECKS

from uploader.api.limits import ClientLimits
from uploader.exceptions import ApiError, AuthError, TransportError

SMALL = ClientLimits(deadline=1.0, connect=0.5, json_cap=64 * 1024, file_cap=128 * 1024)


@contextlib.contextmanager
def dripping(head: bytes, body_byte: bytes | None, *, interval: float = 1.0,
             max_seconds: float = 15.0) -> Iterator[str]:
    """A server sending `head` a byte per `interval` (then `body_byte` per interval, chunked,
    when given) to every connection, for at most `max_seconds`."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        started = time.monotonic()
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            for i in range(len(head)):
                if stop.wait(interval) or time.monotonic() - started > max_seconds:
                    return
                conn.sendall(head[i:i + 1])
            while body_byte is not None and not stop.wait(interval) \
                    and time.monotonic() - started < max_seconds:
                conn.sendall(b"1\r\n" + body_byte + b"\r\n")

    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=serve, args=(conn,))
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/api/v1"
    finally:
        stop.set()
        acceptor.join()
        for thread in threads:
            thread.join()
        server.close()


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"


@pytest.mark.parametrize(("head", "body"), [
    (HEAD + b"1\r\n{\r\n", b" "),  # the body drips
    (HEAD[:40], None),  # the headers drip
])
def test_a_drip_on_upload_fails_within_the_deadline_as_a_lost_answer(
        head: bytes, body: bytes | None, make_client: MakeClient) -> None:
    with dripping(head, body, interval=0.3) as url:
        client = make_client(base_url=url, limits=SMALL)
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.upload(UPLOAD)
        took = time.monotonic() - started
    deadline = SMALL.deadline_for(len(b'{"torrent"') + 600)  # about the body's size
    assert 1.0 <= took <= deadline + 0.5
    assert caught.value.sent is True
    assert str(caught.value).startswith("nekoBT POST /upload: no complete answer within the ")
    assert str(caught.value).endswith("s deadline (the site is stalled or too slow) — the "
                                      "request may have reached the site; check before "
                                      "repeating it")


def test_a_drip_on_a_read_is_retried_each_attempt_bounded(make_client: MakeClient) -> None:
    with dripping(HEAD + b"1\r\n{\r\n", b" ", interval=0.3) as url:
        client = make_client(base_url=url, limits=SMALL, max_attempts=2)
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            client.get_torrent("1")
        took = time.monotonic() - started
    assert 2.0 <= took <= 2 * 1.0 + 1.0  # the fake clock makes the backoff instant
    assert caught.value.sent is True


def test_the_upload_deadline_grows_with_the_body() -> None:
    limits = ClientLimits()
    assert limits.deadline_for(0) == 30.0
    assert limits.deadline_for(2 * 1024 * 1024) == 30.0 + 32.0
    assert limits.deadline_for(0, file_cap=16 * 1024 * 1024) == 30.0 + 64.0
    assert limits.deadline_for(0, at_least=85.0) == 85.0
    assert ClientLimits.scaled(2.0).connect == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="deadline must be positive"):
        ClientLimits(deadline=0)


def endless(request: httpx.Request) -> httpx.Response:
    def chunks() -> Iterator[bytes]:
        for _ in range(10_000):  # 640 MB if nobody stops reading
            yield b"[" * 65536

    return httpx.Response(200, headers={"Content-Type": "application/json"},
                          stream=Chunks(chunks()))


class Chunks(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.read += len(chunk)
            yield chunk


def test_an_endless_answer_is_refused_at_the_cap(make_client: MakeClient) -> None:
    seen: list[Chunks] = []

    def handler(request: httpx.Request) -> httpx.Response:
        response = endless(request)
        assert isinstance(response.stream, Chunks)
        seen.append(response.stream)
        return response

    client = make_client(handler, limits=SMALL)
    with pytest.raises(ApiError) as caught:
        client.get_langs()
    assert str(caught.value) == (
        "nekoBT GET /langs: the answer is not what the API documents (the answer is larger "
        "than 64 KiB (reading stopped there)) — the site may be changing; try again later")
    assert len(seen) == 1  # not retried
    assert seen[0].read <= SMALL.json_cap + 2 * 65536  # the rest was never read


def test_a_gzip_bomb_is_refused_without_inflating_it(make_client: MakeClient) -> None:
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(z.compress(bytes(1 << 20)) for _ in range(64)) + z.flush()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=Chunks(
            iter([bomb])))

    client = make_client(handler, limits=SMALL)
    with pytest.raises(ApiError, match=r"larger than 64 KiB"):
        client.get_stats()


def test_a_download_has_its_own_cap(make_client: MakeClient, site: ScriptedSite) -> None:
    torrent = b"d4:infod" + b"x" * (100 * 1024) + b"ee"
    site.on("GET", "/torrents/1/download", *(reply(
        200, content=body, headers={"Content-Type": "application/x-bittorrent"})
        for body in (torrent, torrent * 2)))
    client = make_client(site, limits=SMALL)
    assert client.download_torrent("1") == torrent  # above the JSON cap, within the file cap
    with pytest.raises(ApiError, match=r"GET /torrents/1/download: .*larger than 128 KiB"):
        client.download_torrent("1")


@pytest.mark.parametrize(("content", "problem"), [
    (b"[" * 100_000, "expected JSON, got JSON nested too deeply"),
    (b'{"error": false, "data": {', "expected JSON, got invalid JSON (Expecting"),
    (b'"just a string"', "expected a JSON object, got a string"),
    (b'{"error": "no", "data": {}}', "`error` is a string, not false"),
])
def test_undecodable_answers_name_the_endpoint(content: bytes, problem: str,
                                               make_client: MakeClient,
                                               site: ScriptedSite) -> None:
    site.on("PUT", "/upload/checks", reply(200, content=content,
                                           headers={"Content-Type": "application/json"}))
    client = make_client(site)
    with pytest.raises(ApiError) as caught:
        client.upload_checks(CHECKS)
    assert str(caught.value).startswith(
        f"nekoBT PUT /upload/checks: the answer is not what the API documents ({problem}")
    assert caught.value.status == 200


@pytest.mark.parametrize(("data", "problem"), [
    ({"fails": "abc"}, "`fails` is a string, not a list of strings"),
    ({"warns": [1]}, "`warns` is an array, not a list of strings"),
    ({"upgraded_torrents": "123"}, "`upgraded_torrents` is a string, not a list of torrents"),
])
def test_checks_fields_of_the_wrong_type_are_refused(data: dict[str, Any], problem: str,
                                                     make_client: MakeClient,
                                                     site: ScriptedSite) -> None:
    site.on("PUT", "/upload/checks", ok(data))
    with pytest.raises(ApiError, match=f"documents \\({problem}\\)"):
        make_client(site).upload_checks(CHECKS)


INFOHASH = "879a1865a0627295014a3ae32e0c09e1ca25d98e"


@pytest.mark.parametrize(("data", "problem"), [
    ({"results": []}, "`infohash_match` is missing"),
    ({"infohash_match": {"id": "1"}}, "`infohash_match` is an object, not a torrent id or null"),
    ({"infohash_match": True}, "`infohash_match` is a boolean, not a torrent id or null"),
    ({"infohash_match": "../1"}, "`infohash_match` is a string, not a torrent id or null"),
    ({"infohash_match": None, "results": {}}, "`results` is an object, not a list"),
])
def test_a_malformed_infohash_answer_is_no_answer(data: dict[str, Any], problem: str,
                                                  make_client: MakeClient,
                                                  site: ScriptedSite) -> None:
    site.on("GET", "/torrents/search", ok(data))
    with pytest.raises(TransportError) as caught:
        make_client(site).find_by_infohash(INFOHASH)
    assert caught.value.sent is True
    assert str(caught.value) == (
        f"nekoBT GET /torrents/search: the answer is not what the API documents ({problem}) "
        "— it is taken as no answer; try again later")


def test_the_infohash_answer_when_well_formed(make_client: MakeClient,
                                              site: ScriptedSite) -> None:
    site.on("GET", "/torrents/search", ok({"infohash_match": None}),
            ok({"infohash_match": "55"}), ok({"infohash_match": 56}))
    client = make_client(site)
    assert [client.find_by_infohash(INFOHASH) for _ in range(3)] == [None, "55", "56"]


@pytest.mark.parametrize("answer", [
    ok({"id": True}), ok({"id": {"id": "1"}}), ok({"id": ""}), ok(["55"]),
    reply(200, content=b"<html></html>", headers={"Content-Type": "text/html"}),
])
def test_an_upload_answer_without_a_usable_id_is_a_lost_answer(
        answer: Any, make_client: MakeClient, site: ScriptedSite) -> None:
    site.on("POST", "/upload", answer)
    with pytest.raises(TransportError) as caught:
        make_client(site).upload(UPLOAD)
    assert caught.value.sent is True
    assert str(caught.value).startswith("nekoBT POST /upload: the answer is not what the API "
                                        "documents (")
    assert str(caught.value).endswith("— the upload may have reached the site; it is looked "
                                      "up by infohash before any repeat")
    assert len(site.requests) == 1


def test_an_error_answer_too_large_keeps_its_status(make_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        response = endless(request)
        response.status_code = 401
        return response

    with pytest.raises(AuthError, match="the API key was refused"):
        make_client(handler, limits=SMALL).get_langs()
