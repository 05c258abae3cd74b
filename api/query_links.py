"""Share links and ``curl`` commands for a query of the /query workbench.

A share link carries the query itself, so nothing is stored on the server: ``/query?z=<data>``
where ``<data>`` is the query compressed with raw DEFLATE and written in base64url (about a third
of the length of ``?query=`` for a typical query). Short queries whose plain form is shorter keep
``?query=`` (the fallback; the page accepts both). Links up to ``SAFE_URL_LENGTH`` characters work
in every browser and chat tool; a longer one is still produced, with ``fits`` false, so that the
page can say so and offer the query as a file instead.
"""

import base64
import binascii
import shlex
import zlib
from urllib.parse import quote

from scalekg.graph.sparql.errors import SparqlError
from scalekg.graph.sparql.guard import analyze

SAFE_URL_LENGTH = 2000  # the old IE limit was 2,083; some proxies and chat tools cut near 2,000
MAX_QUERY_CHARS = 20000  # the /query page's ?query= limit
MAX_ENCODED_CHARS = 16000


class ShareLinkError(ValueError):
    """A ``z=`` value that is not a compressed query."""


def encode_query(query: str) -> str:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = packer.compress(query.encode("utf-8")) + packer.flush()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_query(data: str) -> str:
    """The query of a ``z=`` value; ShareLinkError if it is not one (or decompresses too far)."""
    if len(data) > MAX_ENCODED_CHARS:
        raise ShareLinkError(f"the z= value is longer than {MAX_ENCODED_CHARS} characters")
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        unpacker = zlib.decompressobj(-15)
        text = unpacker.decompress(raw, MAX_QUERY_CHARS * 4)
        if unpacker.unconsumed_tail or not unpacker.eof:
            raise ShareLinkError("the z= value is truncated or decompresses to too much text")
        query = text.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, ShareLinkError):
            raise
        raise ShareLinkError(f"the z= value is not a compressed query ({exc})") from exc
    if len(query) > MAX_QUERY_CHARS:
        raise ShareLinkError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    return query


def share_path(query: str) -> str:
    """The shorter of ``/query?z=…`` and ``/query?query=…`` for this query."""
    compressed = "/query?z=" + encode_query(query)
    plain = "/query?query=" + quote(query, safe="")
    return plain if len(plain) <= len(compressed) else compressed


def accept_for(query: str) -> str:
    """The media type to ask for: SPARQL JSON results for SELECT/ASK, Turtle for graphs."""
    try:
        form = analyze(query).form
    except SparqlError:
        form = "SELECT"
    return "text/turtle" if form in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"


def curl_command(query: str, endpoint_url: str) -> str:
    """A curl command that runs the query against the endpoint (POSIX-shell quoted)."""
    return " ".join(
        [
            "curl -sS",
            "-H",
            shlex.quote("Accept: " + accept_for(query)),
            "--data-urlencode",
            shlex.quote("query=" + query),
            shlex.quote(endpoint_url),
        ]
    )


def share(query: str, base_url: str) -> dict[str, object]:
    """The share link (absolute and path), its length, whether it fits, and the curl command."""
    base = base_url.rstrip("/")
    path = share_path(query)
    url = base + path
    return {
        "url": url,
        "path": path,
        "length": len(url),
        "fits": len(url) <= SAFE_URL_LENGTH,
        "safe_length": SAFE_URL_LENGTH,
        "curl": curl_command(query, base + "/sparql"),
    }
