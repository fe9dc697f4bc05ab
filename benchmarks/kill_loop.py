"""Kill loop: SIGKILL `assistant ingest`, `forget` and `reindex` at random points, over and over, and
check that every kill is survived.

Each round picks a writing command and kills it with SIGKILL, either at one of the pipeline's
fault points (ASSISTANT_FAULT=<point>[:<n>]: after_pending, after_vectors, after_commit,
forget_marked, reindex_batch; n picks the batch) or at a random moment after the process took the
write lock (a timed kill, which can land anywhere: inside a SQLite transaction, a Chroma write, the
embedding cache, the stories refresh). Sometimes a killed ingest is killed again before it is
allowed to finish. Then the same command is run again to the end, and the round is *survived*
when:

  * `check` passes (every chunk belongs to a committed revision, every committed revision has its
    chunks and vectors, the full-text index matches, no vector without a chunk), and
  * the library holds exactly what a clean ingest of the same files holds: the same articles,
    revisions, content hashes, sentences and chunk ids (compared with a reference library built
    once, without kills, from the same files).

At the end everything is ingested once more and `assistant check` runs as its own process.

    python benchmarks/kill_loop.py --kills 20 --seed 1        # CI: .ci/run; about 2-3 minutes
    python benchmarks/kill_loop.py --kills 100 --seed 7 --json

Prints one summary line, "kills: N survived: N ...", and exits 1 if any kill was not survived or
the loop ran over --max-seconds. Uses the hash embedder (no model download) and the embedded Chroma.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
BATCH = 32  # assistant.library.writer.BATCH_ARTICLES

WORDS = ("council minister river bridge election storm harbour court vaccine budget strike festival museum railway senator "
         "governor mayor police ministry parliament treaty summit market factory drought flood wildfire airport stadium "
         "hospital university satellite volcano earthquake ferry pipeline tariff protest verdict inquiry").split()
PLACES = "Oslo Lima Perth Nairobi Quebec Tbilisi Hanoi Dakar Porto Tromsø Cusco Hobart".split()


def synthetic(rng: random.Random, i: int) -> str:
    place = rng.choice(PLACES)
    sents = []
    for _ in range(rng.randint(3, 9)):
        a, b, c = rng.sample(WORDS, 3)
        sents.append(f"The {a} in {place} said on {rng.choice(['Monday', 'Tuesday', 'Friday'])} that the {b} would affect the {c} by {rng.randint(2, 95)} percent.")
    paras = [" ".join(sents[j:j + 3]) for j in range(0, len(sents), 3)]
    day = f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return f"---\ntitle: {place} {WORDS[i % len(WORDS)]} report {i}\ndate: {day}\nsource: Synthetic Wire\n---\n\n" + "\n\n".join(paras) + "\n"


def make_corpus(root: Path, n: int, rng: random.Random) -> list[Path]:
    root.mkdir(parents=True)
    files = []
    for p in sorted((SEEDS / "news").glob("*.md")) + sorted(SEEDS.glob("*.txt")):
        if p.stem.upper() == "SOURCES":
            continue
        dst = root / p.name
        shutil.copy(p, dst)
        files.append(dst)
    for i in range(n):
        dst = root / f"synthetic-{i:03d}.md"
        dst.write_text(synthetic(rng, i), encoding="utf-8")
        files.append(dst)
    return files


class Runner:
    def __init__(self, env: dict):
        self.env = env
        self.processes = 0

    def cmd(self, home: Path, *args) -> list[str]:
        return [sys.executable, "-m", "assistant.cli", "--data-dir", str(home), *map(str, args)]

    def run(self, home: Path, *args, fault: str | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
        env = dict(self.env)
        if fault:
            env["ASSISTANT_FAULT"] = fault
        self.processes += 1
        return subprocess.run(self.cmd(home, *args), env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)

    def run_timed_kill(self, home: Path, args: list, delay: float, timeout: float = 180) -> tuple[int, float]:
        """Start the command, wait until it holds the write lock, sleep ``delay``, SIGKILL it. Returns (returncode, seconds after lock)."""
        pid_file = home / "write.pid"
        old = pid_file.read_text() if pid_file.exists() else None
        self.processes += 1
        p = subprocess.Popen(self.cmd(home, *args), env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO)
        deadline = time.time() + timeout
        while p.poll() is None and time.time() < deadline:
            if pid_file.exists() and pid_file.read_text() == str(p.pid) and pid_file.read_text() != old:
                break
            time.sleep(0.005)
        locked_at = time.time()
        if p.poll() is None:
            time.sleep(delay)
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
        p.wait(timeout)
        return p.returncode, time.time() - locked_at


# --------------------------------------------------------------------------- state and check
def library_state(home: Path) -> dict:
    """Committed revisions with their content hash, sentence count and chunk ids; plus non-committed rows."""
    if not (home / "library.sqlite3").exists():
        return {"revisions": {}, "not_committed": 0, "by_origin": {}}
    conn = sqlite3.connect(f"file:{home / 'library.sqlite3'}?mode=ro", uri=True)
    try:
        return snapshot(conn)
    finally:
        conn.close()


def snapshot(conn) -> dict:
    """library_state from an open connection (sqlite3 here, psycopg in kill_loop_pg.py: both take these queries)."""
    revs = {(a, r): [h, 0, []] for a, r, h in conn.execute("SELECT article_id, revision, content_hash FROM committed_revisions")}
    for a, r, n in conn.execute("SELECT article_id, revision, COUNT(*) FROM sentences GROUP BY article_id, revision"):
        if (a, r) in revs:
            revs[(a, r)][1] = n
    for a, r, cid in conn.execute("SELECT article_id, revision, chunk_id FROM chunks ORDER BY chunk_id"):
        if (a, r) in revs:
            revs[(a, r)][2].append(cid)
    other = conn.execute("SELECT COUNT(*) FROM revisions WHERE status <> 'committed'").fetchone()[0]
    by_origin = {Path(o).name: a for a, o in conn.execute("SELECT article_id, origin FROM committed_revisions")}
    return {"revisions": {f"{a}@{r}": v for (a, r), v in revs.items()}, "not_committed": other, "by_origin": by_origin}


def check(home: Path) -> dict:
    """assistant check, in this process (chroma's per-path client cache is cleared so the files are read afresh)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    from assistant import Assistant
    from assistant.settings import Settings

    SharedSystemClient.clear_system_cache()
    try:
        return Assistant(settings=Settings.load(home)).check().to_dict()
    finally:
        SharedSystemClient.clear_system_cache()


def expected(ref: dict, names: set[str]) -> dict:
    ids = {ref["by_origin"][n] for n in names}
    return {k: v for k, v in ref["revisions"].items() if k.split("@")[0] in ids}


# --------------------------------------------------------------------------- the loop
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=20, help="SIGKILLs to survive (default 20)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--articles", type=int, default=70, help="synthetic articles added to the 12 seeds (default 70: 3 batches)")
    ap.add_argument("--timed", type=float, default=0.4, help="share of kills at a random moment instead of a fault point")
    ap.add_argument("--max-seconds", type=float, default=600, help="fail if the loop takes longer")
    ap.add_argument("--work-dir", type=Path, help="keep the libraries here (default: a temporary directory, removed)")
    ap.add_argument("--json", action="store_true", help="also print the full result as JSON")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    t_start = time.time()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="kill-loop-"))
    work.mkdir(parents=True, exist_ok=True)
    for k in [k for k in os.environ if k.startswith("ASSISTANT_")]:
        del os.environ[k]  # this process checks the libraries too: same settings as the children
    os.environ.update(ASSISTANT_EMBEDDER="hash", ANONYMIZED_TELEMETRY="False")
    sys.path.insert(0, str(REPO))
    runner = Runner(dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")))
    files = make_corpus(work / "corpus", args.articles, rng)
    names = {p.name: p for p in files}

    # the reference: a clean ingest of every file, no kills; its duration sets the window for timed kills
    ref_home = work / "reference"
    t0 = time.time()
    r = runner.run(ref_home, "ingest", *files, "--json")
    if r.returncode != 0:
        print(r.stderr, file=sys.stderr)
        return 1
    ingest_seconds = time.time() - t0
    ref = library_state(ref_home)
    assert check(ref_home)["ok"]

    home = work / "library"
    present: set[str] = set()
    rounds, kills, survived, misses, failures = [], 0, 0, 0, []
    where: dict[str, int] = {}
    left_mid_write = 0

    def verify(label: str, want: set[str]) -> bool:
        got = library_state(home)
        rep = check(home)
        exp = expected(ref, want)
        ok = rep["ok"] and got["not_committed"] == 0 and got["revisions"] == exp
        if not ok:
            failures.append({"round": label, "check": rep["problems"], "not_committed": got["not_committed"],
                             "missing": sorted(set(exp) - set(got["revisions"]))[:5], "unexpected": sorted(set(got["revisions"]) - set(exp))[:5],
                             "differs": sorted(k for k in exp if k in got["revisions"] and got["revisions"][k] != exp[k])[:5]})
        return ok

    def kill_once(op_args: list, points: list[str], batches: int) -> tuple[bool, str]:
        """One attempt at killing ``op_args``; returns (killed, where)."""
        if rng.random() < args.timed:
            delay = rng.uniform(0.0, max(0.3, ingest_seconds - 1.5) * 0.8)
            code, after = runner.run_timed_kill(home, op_args, delay)
            return code == -signal.SIGKILL, f"timed +{delay:.2f}s"
        point = rng.choice(points)
        n = rng.randint(1, max(1, batches)) if point != "forget_marked" else 1
        fault = f"{point}:{n}" if n > 1 else point
        r = runner.run(home, *op_args, fault=fault)
        return r.returncode == -signal.SIGKILL, fault

    round_no = 0
    while kills < args.kills:
        if time.time() - t_start > args.max_seconds:
            failures.append({"round": "time", "message": f"over --max-seconds {args.max_seconds:g}"})
            break
        round_no += 1
        missing = sorted(set(names) - present)
        choices = (["ingest"] * 5 if missing else []) + (["forget"] * 3 if len(present) >= 2 else []) + (["reindex"] * 2 if present else [])
        op = rng.choice(choices)
        if op == "ingest":
            add = rng.sample(missing, rng.randint(1, len(missing)))
            target = present | set(add)
            op_args = ["ingest", *[names[n] for n in sorted(target)]]
            points, batches = ["after_pending", "after_vectors", "after_commit"], math.ceil(len(add) / BATCH)
            recovery = op_args
        elif op == "forget":
            gone = set(rng.sample(sorted(present), rng.randint(1, min(40, len(present) - 1))))
            op_args = ["forget", *sorted(ref["by_origin"][n] for n in gone)]
            points, batches = ["forget_marked"], 1
            target = present - gone
            recovery = ["ingest", *[names[n] for n in sorted(target)]]  # any writer completes the deletion first
        else:
            op_args = ["reindex"]
            points, batches = ["reindex_batch"], math.ceil(len(present) / BATCH)
            target = set(present)
            recovery = ["reindex"]  # an interrupted reindex must be finished by reindex (ingest refuses, and says so)

        killed_here = []
        attempts = 0
        while attempts < 4:
            attempts += 1
            killed, at = kill_once(op_args, points, batches)
            if not killed:
                misses += 1
                break
            kills += 1
            killed_here.append(at)
            key = at.split(":")[0] if not at.startswith("timed") else "timed"
            where[key] = where.get(key, 0) + 1
            if not check(home)["ok"]:
                left_mid_write += 1
            # sometimes kill the next run too, before letting one finish (ingest only: it recovers, then goes on)
            if op != "ingest" or rng.random() > 0.3 or kills >= args.kills:
                break
        r = runner.run(home, *recovery, "--json")
        if op == "forget" and r.returncode == 0 and gone <= set(library_state(home)["by_origin"]):
            target = present  # the kill came before the deletion was marked: nothing forgotten (all or nothing)
        if r.returncode == 0:
            present = target
        ok = r.returncode == 0 and verify(f"{round_no}:{op}", present)
        if not ok and r.returncode != 0:
            failures.append({"round": f"{round_no}:{op}", "recovery_exit": r.returncode, "stderr": r.stderr[-800:]})
        if killed_here:
            survived += len(killed_here) if ok else 0
        rounds.append({"round": round_no, "op": op, "kills": killed_here, "recovered": ok, "articles": len(present)})

    # finally: everything once more, then `assistant check` as its own process
    final = runner.run(home, "ingest", *files, "--json")
    final_ok = final.returncode == 0 and verify("final", set(names))
    chk = runner.run(home, "check")
    final_ok = final_ok and chk.returncode == 0
    if chk.returncode != 0:
        failures.append({"round": "final check", "stdout": chk.stdout[-800:]})
    seconds = time.time() - t_start
    result = {"kills": kills, "survived": survived, "misses": misses, "rounds": len(rounds), "left_mid_write": left_mid_write,
              "where": dict(sorted(where.items())), "processes": runner.processes, "seconds": round(seconds, 1), "seed": args.seed,
              "articles": len(files), "final_check": chk.returncode == 0, "failures": failures}
    if args.json:
        print(json.dumps({**result, "log": rounds}, indent=2))
    print(f"kills: {kills} survived: {survived} (where: " + ", ".join(f"{k} {v}" for k, v in result["where"].items())
          + f"; {left_mid_write} left the library mid-write) misses: {misses} rounds: {len(rounds)} processes: {runner.processes} "
          f"final check: {'ok' if chk.returncode == 0 else 'FAILED'} seconds: {seconds:.0f} seed: {args.seed}")
    for f in failures:
        print("FAILED:", json.dumps(f)[:1500], file=sys.stderr)
    if not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if (survived == kills and kills >= args.kills and final_ok and not failures) else 1


if __name__ == "__main__":
    sys.exit(main())
