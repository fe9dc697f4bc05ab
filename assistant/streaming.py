"""Streaming results: iterate to get checked sentences as they pass, then read the whole result.

    r = a.ask("Who became governor of Puerto Rico?", stream=True)
    for sentence in r:                  # AnswerSentence objects, each already checked
        print(sentence.text, [c.n for c in r.citations if c.id in sentence.citations])
    print(r.answer.refused, r.answer.citations)   # the whole Answer, once consumed

The answer and briefing pipelines hand sentences to a callback as they are checked; to turn
that into an iterator without rewriting them, the call runs in a worker thread that feeds a
queue. The worker hands over one sentence per request, so it never runs more than a sentence
ahead of the consumer; breaking out of the loop (or ``close()``) cancels the rest there. The
worker uses the library while it runs: use the Assistant for nothing else until the stream is
consumed or closed. Errors surface where you iterate (or read the result), as the same
AssistantError the plain call raises. Ctrl-C while waiting for a sentence raises
KeyboardInterrupt at once; the worker, maybe in a slow model call, then stops by itself at its
next sentence, and the stream has no result.
"""

from __future__ import annotations

import queue
import threading


class _Cancelled(BaseException):
    """Raised inside the worker's callback when the consumer stopped listening."""


class _Stream:
    def __init__(self, run):
        self._run = run  # run(on_sentence) -> the finished result
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._demand = threading.Semaphore(0)  # one release per sentence the consumer asks for
        self._sentences: list = []
        self._result = None
        self._error: BaseException | None = None
        self._done = False
        self.citations: list = []  # the citations numbered so far (all of them once consumed)

    # -- worker ---------------------------------------------------------------------------
    def _work(self) -> None:
        def on_sentence(sentence, citations):
            self._demand.acquire()  # hand over one sentence per request: the work never runs ahead unasked
            if self._cancel.is_set():
                raise _Cancelled()
            self._queue.put(("sentence", sentence, list(citations)))

        try:
            self._queue.put(("done", self._run(on_sentence), None))
        except _Cancelled:
            self._queue.put(("cancelled", None, None))
        except BaseException as exc:  # handed to the consumer, raised there
            self._queue.put(("error", exc, None))

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="assistant-stream", daemon=True)
            self._thread.start()

    # -- consumer -------------------------------------------------------------------------
    def __iter__(self):
        if self._done:  # consumed already: the sentences again, as llm's Response does
            self._raise_if_failed()
            yield from list(self._sentences)
            return
        self._start()
        finished = False
        try:
            while True:
                self._demand.release()
                try:
                    kind, item, citations = self._queue.get()
                except KeyboardInterrupt:
                    self._abandon()
                    raise
                if kind == "sentence":
                    self._sentences.append(item)
                    self.citations = citations
                    yield item
                    continue
                self._done = finished = True
                if kind == "done":
                    self._result = item
                    self.citations = list(item.citations)
                elif kind == "error":
                    self._error = item
                    self._raise_if_failed()
                return
        finally:
            if not finished:  # the consumer broke off (or was interrupted): stop the worker
                self.close()

    def close(self) -> None:
        """Stop the rest of the work (at the next sentence) and wait for the worker to end."""
        if self._thread is None or self._done:
            return
        self._cancel.set()
        self._demand.release()  # wake a worker waiting to hand over its next sentence
        self._drain()

    def _abandon(self) -> None:
        """Ctrl-C while the worker is busy (a slow model call): stop waiting at once rather than
        join it; it stops at its next sentence, in the background. There is no result then."""
        self._cancel.set()
        self._demand.release()
        self._done = True

    def _drain(self) -> None:
        while not self._done:
            kind, item, citations = self._queue.get()
            if kind == "sentence":
                continue
            self._done = True
            if kind == "done":
                self._result = item
            elif kind == "error":
                self._error = item
        self._thread.join()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _finished(self):
        """The whole result: consumes what is left first."""
        if not self._done:
            for _ in self:
                pass
        self._raise_if_failed()
        if self._result is None:
            raise RuntimeError("the stream was closed before it finished; there is no result")
        return self._result

    def to_dict(self) -> dict:
        return self._finished().to_dict()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class AnswerStream(_Stream):
    """``ask(..., stream=True)``: yields each checked AnswerSentence; ``.answer`` is the whole Answer."""

    @property
    def answer(self):
        return self._finished()


class BriefingStream(_Stream):
    """``brief(..., stream=True)``: yields each point; ``.briefing`` is the whole Briefing."""

    @property
    def briefing(self):
        return self._finished()
