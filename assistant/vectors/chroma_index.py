"""Chunk vectors in Chroma: embedded PersistentClient by default, a Chroma server by URL.

The collection is named after the library's id, so several libraries can share one
Chroma server. We always pass vectors ourselves and no embedding function, so Chroma
never tries to download its default model.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from ..errors import VectorStoreError

BATCH = 2000


class ChromaIndex:
    def __init__(self, home: Path, library_id: str, url: str = ""):
        self.home = Path(home)
        self.url = url
        self.name = f"news-{library_id[:16]}"
        self._client = None
        self._collection = None

    def _where(self) -> str:
        return f"the Chroma server at {self.url}" if self.url else f"the Chroma directory {self.home / 'chroma'}"

    def _fail(self, exc: Exception, doing: str) -> VectorStoreError:
        hint = "check that the server runs (chroma run --path DIR --port N) and --chroma-url" if self.url else "run: assistant reindex"
        return VectorStoreError(f"{doing} failed at {self._where()}: {str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}", hint)

    @property
    def client(self):
        if self._client is None:
            try:
                import chromadb
                from chromadb.config import Settings as ChromaSettings
            except ImportError as exc:  # pragma: no cover - a broken install
                raise VectorStoreError(f"chromadb is not importable ({exc})", "reinstall: pip install news-assistant")
            settings = ChromaSettings(anonymized_telemetry=False)
            try:
                if self.url:
                    u = urlparse(self.url if "://" in self.url else "http://" + self.url)
                    self._client = chromadb.HttpClient(
                        host=u.hostname or "localhost", port=u.port or (443 if u.scheme == "https" else 8000),
                        ssl=u.scheme == "https", settings=settings,
                    )
                else:
                    # before the store allocates its index: it writes unused index memory to disk
                    from .heap import zero_fresh_heap_blocks

                    zero_fresh_heap_blocks()
                    self._client = chromadb.PersistentClient(path=str(self.home / "chroma"), settings=settings)
            except Exception as exc:
                raise self._fail(exc, "connecting")
        return self._client

    def close(self, collect: bool = True) -> None:
        """Release the client's files and connections (an embedded store keeps its SQLite file and
        index segments open until then); the next use opens it again. ``collect=False`` leaves the
        files to a garbage collection later (the CLI, whose process ends next, saves the ~50 ms)."""
        client, self._client, self._collection = self._client, None, None
        close = getattr(client, "close", None)
        if close is not None:
            try:
                close()
            except Exception:  # closing must never hide the result of the work that used it
                pass
            if collect and not self.url:
                # Chroma's embedded engine lets go of its SQLite connections only when its objects are
                # collected, and they sit in reference cycles: without this a script that opens and
                # closes libraries in a loop runs out of file descriptors.
                import gc

                gc.collect()

    @property
    def collection(self):
        if self._collection is None:
            try:
                self._collection = self.client.get_or_create_collection(
                    self.name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                )
            except VectorStoreError:
                raise
            except Exception as exc:
                raise self._fail(exc, "opening the collection")
        return self._collection

    def upsert(self, ids: list[str], vectors, metadatas: list[dict]) -> None:
        try:
            for i in range(0, len(ids), BATCH):
                self.collection.upsert(ids=ids[i : i + BATCH], embeddings=vectors[i : i + BATCH], metadatas=metadatas[i : i + BATCH])
        except VectorStoreError:
            raise
        except Exception as exc:
            raise self._fail(exc, "writing vectors")

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        try:
            for i in range(0, len(ids), BATCH):
                self.collection.delete(ids=ids[i : i + BATCH])
        except VectorStoreError:
            raise
        except Exception as exc:
            raise self._fail(exc, "deleting vectors")

    def query(self, vector, k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk_id, cosine distance) pairs, nearest first."""
        try:
            if k <= 0:
                return []
            # no count() first: Chroma 1.x returns what there is when asked for more (nothing from
            # an empty collection), and an embedded count() cost ~6 ms a search at 100k vectors
            res = self.collection.query(query_embeddings=[vector], n_results=k, where=where or None, include=["distances"])
        except VectorStoreError:
            raise
        except Exception as exc:
            raise self._fail(exc, "querying")
        return list(zip(res["ids"][0], res["distances"][0]))

    def count(self) -> int:
        try:
            return self.collection.count()
        except VectorStoreError:
            raise
        except Exception as exc:
            raise self._fail(exc, "counting")

    def ids(self) -> set[str]:
        out: set[str] = set()
        try:
            offset = 0
            while True:
                got = self.collection.get(include=[], limit=5000, offset=offset)["ids"]
                out.update(got)
                if len(got) < 5000:
                    return out
                offset += len(got)
        except VectorStoreError:
            raise
        except Exception as exc:
            raise self._fail(exc, "listing vectors")

    def drop(self) -> None:
        try:
            existing = [c if isinstance(c, str) else c.name for c in self.client.list_collections()]
            if self.name in existing:
                self.client.delete_collection(self.name)
        except VectorStoreError:
            raise
        except Exception as exc:
            raise self._fail(exc, "dropping the collection")
        self._collection = None
