"""A writer's few calls to a Chroma server, over its REST API, without importing chromadb.

Why: importing chromadb (its HTTP client included: pydantic models, OpenTelemetry, the bundled
embedding functions) costs ~0.85 CPU s per process, more than a writer spends on 25 articles,
and every writer process paid it only to send three kinds of request. A writer needs to find or
create its collection, upsert vectors and delete them; those requests are sent here exactly as
chromadb's ``HttpClient`` sends them (chromadb 1.x, REST API v2: the same JSON, embeddings as
base64 of little-endian float32 when the server says it takes them), so the collection and its
vectors are the same whichever client wrote them (tests/test_writers.py reads them back with
chromadb). Searches, counts, listings and drops still go through chromadb (chroma_index.py).
"""

from __future__ import annotations

import base64
import http.client
import json
from urllib.parse import quote, urlparse

API = "/api/v2"  # chromadb's HttpClient ignores a path in the URL as well (chroma_server_api_default_path)
TENANT, DATABASE = "default_tenant", "default_database"


class ChromaServerError(Exception):
    """The server answered with an error (its message, as chromadb would show it)."""


class ChromaServer:
    def __init__(self, url: str):
        u = urlparse(url if "://" in url else "http://" + url)
        self.https = u.scheme == "https"
        self.host = u.hostname or "localhost"
        self.port = u.port or (443 if self.https else 8000)
        self._conn: http.client.HTTPConnection | None = None
        self._ids: dict[str, str] = {}  # collection name -> id
        self._preflight: dict | None = None

    # -- transport ----------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
            self._conn = cls(self.host, self.port)  # no timeout, like chromadb's client (an upsert can take long)
        return self._conn

    def request(self, method: str, path: str, body=None):
        """The decoded JSON answer. Every request sent here is idempotent (get-or-create, upsert,
        delete), so one that meets a connection the server has closed is sent once more."""
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        url = API + quote(path, safe="/")
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, url, body=data, headers=headers)
                resp = conn.getresponse()
                text = resp.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.CannotSendRequest):
                self.close()
                if attempt == 2:
                    raise
        if resp.status >= 400:
            try:
                err = json.loads(text)
                message = err.get("message") or err.get("error") or text
            except (ValueError, AttributeError):
                message = text
            raise ChromaServerError(f"{message} (HTTP {resp.status})")
        return json.loads(text) if text else None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    # -- the calls ------------------------------------------------------------------------
    def collection_id(self, name: str, metadata: dict) -> str:
        """The id of the collection, created with this metadata when missing (get_or_create_collection)."""
        cid = self._ids.get(name)
        if cid is None:
            got = self.request("POST", f"/tenants/{TENANT}/databases/{DATABASE}/collections",
                               {"name": name, "metadata": metadata, "configuration": None, "schema": None, "get_or_create": True})
            cid = self._ids[name] = got["id"]
        return cid

    def forget_collection(self, name: str) -> None:
        """After the collection was dropped (by chromadb): the next write creates it again."""
        self._ids.pop(name, None)

    def _base64(self) -> bool:
        if self._preflight is None:
            self._preflight = self.request("GET", "/pre-flight-checks") or {}
        return bool(self._preflight.get("supports_base64_encoding", False))

    def max_batch(self) -> int:
        self._base64()
        return int(self._preflight.get("max_batch_size", -1) or -1)

    def upsert(self, collection: str, ids: list[str], vectors, metadatas: list[dict]) -> None:
        import numpy as np

        matrix = np.asarray(vectors, dtype="<f4")
        if self._base64():
            embeddings = [base64.b64encode(row.tobytes()).decode("ascii") for row in matrix]
        else:  # an older server: floats, as chromadb sends them then
            embeddings = matrix.astype(float).tolist()
        self.request("POST", f"/tenants/{TENANT}/databases/{DATABASE}/collections/{collection}/upsert",
                     {"ids": ids, "embeddings": embeddings, "metadatas": metadatas, "documents": None, "uris": None})

    def delete(self, collection: str, ids: list[str]) -> None:
        self.request("POST", f"/tenants/{TENANT}/databases/{DATABASE}/collections/{collection}/delete",
                     {"ids": ids, "where": None, "where_document": None})
