"""eval: evaluations on public data (separate commands, not tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from .app import app
from .options import JsonOpt
from .output import emit_json, err, guarded

eval_app = typer.Typer(help="Evaluations on public data (see docs/).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("retrieval")
def eval_retrieval(
    ctx: typer.Context,
    dataset: str = typer.Option("seeds", "--dataset", help="realtimeqa (needs --data) or seeds (built in)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Dataset directory, e.g. ../shared/data/realtimeqa."),
    work_dir: Path = typer.Option(Path(".eval-work"), "--work-dir", help="Where the ingested corpora are kept between runs."),
    eval_embedder: str = typer.Option("local", "--eval-embedder", help="Embedder for the eval corpus."),
    chunk_tokens: int = typer.Option(256, "--chunk-tokens", help="Chunk budget in word pieces."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the full result as JSON here."),
    split: str = typer.Option("both", "--split", metavar="both|tuning|report",
                              help="realtimeqa: rank only the tuning weeks' questions (to choose settings on), only the report weeks', or both."),
    as_json: bool = JsonOpt,
):
    """Article-level recall@1/5/10 and MRR@10 for dense, lexical and hybrid retrieval, with 95% intervals."""

    def body():
        from ..evaluation import retrieval

        result = retrieval.run(dataset, data, work_dir, eval_embedder, chunk_tokens, log=err, split=split)
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=2))
        if as_json:
            emit_json(result)
        else:
            print(retrieval.format_table(result))

    guarded(as_json, body)
