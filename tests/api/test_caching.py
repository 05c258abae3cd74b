"""ETags from the snapshot hash on every read response, 304 on If-None-Match, Cache-Control."""

import pytest

from scalekg.api.caching import ResponseCache, etag_matches

READS = [
    "/",
    "/api/concepts?q=premature+scaling",
    "/api/concepts?type=Capability",
    "/api/concepts/premature-scaling",
    "/api/concepts/premature-scaling/mitigated-by",
    "/api/concepts/keep-financial-discipline/mitigates",
    "/api/ask?q=what+mitigates+premature+scaling",
    "/api/paths?from=be-frugal&to=premature-scaling",
    "/api/leverage",
    "/api/leverage?stage=late-stage",
    "/api/stats",
    "/page/premature-scaling",
    "/data/premature-scaling.ttl",
    "/data/premature-scaling.jsonld",
    "/ontology.html",
    "/ontology.ttl",
    "/query",
]


@pytest.mark.parametrize("url", READS)
def test_every_read_has_an_etag_from_the_snapshot_and_answers_304(client, snapshot, url):
    r = client.get(url)
    assert r.status_code == 200, r.text
    etag = r.headers["etag"]
    assert snapshot.hash in etag
    assert etag.startswith('"') and etag.endswith('"')
    assert "max-age" in r.headers["cache-control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "cache-control" in again.headers


@pytest.mark.parametrize(
    "header",
    [
        "{etag}",
        "W/{etag}",
        '"something-else", {etag}',
        '"a", W/{etag}, "b"',
        "*",
        " {etag} ",
    ],
)
def test_if_none_match_forms(client, header):
    url = "/api/concepts/premature-scaling/mitigated-by"
    etag = client.get(url).headers["etag"]
    r = client.get(url, headers={"If-None-Match": header.format(etag=etag)})
    assert r.status_code == 304


@pytest.mark.parametrize("header", ['"stale"', 'W/"stale"', "", '"a", "b"', "garbage"])
def test_non_matching_if_none_match_gets_the_body(client, header):
    r = client.get("/api/stats", headers={"If-None-Match": header})
    assert r.status_code == 200
    assert r.json()["snapshot"]


def test_304_on_the_very_first_request_too(client, snapshot):
    # A fresh cache: the handler computes the response, then answers 304.
    client.app.state.scalekg.caches.responses = None
    r = client.get(
        "/api/concepts/be-frugal/influences", headers={"If-None-Match": f'"{snapshot.hash}"'}
    )
    assert r.status_code == 304


def test_cached_responses_are_identical(client):
    url = "/api/ask?q=what+does+be+frugal+influence"
    first, second = client.get(url), client.get(url)
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["content-type"] == second.headers["content-type"]
    assert first.headers["content-length"] == second.headers["content-length"]


def test_negotiated_resources_are_cached_per_accept(client):
    html = client.get(
        "/id/premature-scaling", headers={"Accept": "text/html"}, follow_redirects=False
    )
    ttl = client.get(
        "/id/premature-scaling", headers={"Accept": "text/turtle"}, follow_redirects=False
    )
    html2 = client.get(
        "/id/premature-scaling", headers={"Accept": "text/html"}, follow_redirects=False
    )
    assert html.headers["location"] == html2.headers["location"] == "/page/premature-scaling"
    assert ttl.headers["location"] == "/data/premature-scaling.ttl"
    assert "accept" in html.headers["vary"].lower()


def test_errors_are_not_tagged(client):
    r = client.get("/api/concepts/no-such-concept-here")
    assert r.status_code == 404
    assert "etag" not in r.headers


def test_different_queries_are_different_entries(client):
    a = client.get("/api/concepts", params={"q": "tech debt"}).json()
    b = client.get("/api/concepts", params={"q": "premature scaling"}).json()
    assert a["query"] != b["query"]


def test_etag_matching_rules():
    assert etag_matches('"x"', '"x"')
    assert etag_matches('W/"x"', '"x"')
    assert etag_matches('"x"', 'W/"x"')
    assert etag_matches('"y", "x"', '"x"')
    assert etag_matches("*", '"x"')
    assert not etag_matches('"y"', '"x"')
    assert not etag_matches("", '"x"')
    assert not etag_matches("x", '"x"')


def test_response_cache_is_bounded():
    from starlette.responses import Response

    from scalekg.api.caching import Entry

    cache = ResponseCache(max_entries=3, max_bytes=10_000)
    for i in range(10):
        cache.put(("/p", str(i).encode()), Entry(Response(b"x" * 100), '"h"'))
    assert len(cache.entries) == 3
    assert cache.bytes <= 10_000
    assert ("/p", b"9") in cache.entries and ("/p", b"0") not in cache.entries
    cache.put(("/big", b""), Entry(Response(b"x" * 5000), '"h"'))  # over a quarter: not kept
    assert ("/big", b"") not in cache.entries


def test_gzip_is_served_from_the_cache_when_accepted(client):
    import gzip

    url = "/api/concepts/premature-scaling/mitigated-by"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert raw.headers["content-encoding"] == "gzip"
    assert raw.content == plain.content  # httpx decodes it
    assert "accept-encoding" in raw.headers["vary"].lower()
    assert "accept-encoding" in plain.headers["vary"].lower()
    assert raw.headers["etag"] != plain.headers["etag"]
    with client.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as streamed:
        body = b"".join(streamed.iter_raw())
    assert int(streamed.headers["content-length"]) == len(body) < len(plain.content)
    assert gzip.decompress(body) == plain.content
    # Either tag revalidates either representation.
    for etag in (raw.headers["etag"], plain.headers["etag"]):
        for enc in ("gzip", "identity"):
            r = client.get(url, headers={"If-None-Match": etag, "Accept-Encoding": enc})
            assert r.status_code == 304


def test_small_responses_are_not_compressed(client):
    r = client.get("/api/concepts?q=zzqqxx", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in r.headers


def test_accepts_gzip_rules():
    from scalekg.api.caching import accepts_gzip

    assert accepts_gzip("gzip") and accepts_gzip("deflate, gzip;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0") and not accepts_gzip("identity") and not accepts_gzip("")
