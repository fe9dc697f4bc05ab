"""Kill loop on PostgreSQL with two writers at once: SIGKILL concurrent `assistant ingest` processes
at random points, over and over, and check that every kill is survived (issue 15).

Each round two writers ingest at once into one PostgreSQL library and one Chroma server, each its
own half of a corpus (the 12 seeds and synthetic articles, benchmarks/kill_loop.py's generator):
the files it has, plus some new ones. One or both are killed with SIGKILL, either at a fault point
(ASSISTANT_FAULT=<point>[:<n>]: after_pending, after_vectors, after_commit) or at a random moment.
Then both run again, at once, to the end (each recovers only what no live writer claims), and the
round is *survived* when:

  * `assistant check` passes (its own process) and no revision is left pending or deleting, and
  * the library holds exactly what a clean ingest of the same files holds: the same articles,
    revisions, content hashes, sentence counts and chunk ids (compared with a reference library
    built once, without kills, in another database).

Every third round a few articles are forgotten first (not killed), so that later rounds have work.

    python benchmarks/kill_loop_pg.py --kills 20 --seed 1

A kill must land during work, or the loop could pass without testing anything: a fault point
is chosen among the batches the writer will write (batches of 32 new articles), and a timed kill
comes at a random moment of the writer's expected work (its new articles times the seconds per
article of the reference ingest), counted from when its session holds the library lock (seen in
pg_locks by the writer's application_name). "mid-ingest" counts the kills that landed inside a
writer's session (every fault point does); "misses" the victims that finished first and the timed
kills that came after their writer had left its session (those are not counted as kills: the loop
goes on until --kills kills landed mid-ingest; the library is still checked after every round).

Prints one summary line, "kills: N survived: N mid-ingest: N ...", and exits 1 if any kill was not
survived, if any kill landed outside a writer's session, or if more than a quarter of the
intended kills missed.
Starts its own PostgreSQL (tests/postgres_server.py) and `chroma run` on loopback ports 55400-55499 (ASSISTANT_TEST_PG_PORT moves the range).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.kill_loop import make_corpus, snapshot  # noqa: E402
from benchmarks.pg_writers import start_chroma  # noqa: E402
from tests.postgres_server import PostgresServer, find_binaries  # noqa: E402

POINTS = ("after_pending", "after_vectors", "after_commit")


def state(url: str) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('revisions')").fetchone()[0] is None:
            return {"revisions": {}, "not_committed": 0, "by_origin": {}}
        return snapshot(conn)


def kill_when_due(url: str, procs: list, deadlines: dict[int, float], round_no: int) -> list[int]:
    """SIGKILL writer w (a key of deadlines) deadlines[w] seconds after its session holds the
    library lock (seen in pg_locks by its application_name). Returns the writers killed while
    they were inside their session: the kills that landed mid-ingest."""
    import psycopg

    from assistant.library.pg import LIBRARY_LOCK

    started: dict[int, float] = {}
    landed = []
    with psycopg.connect(url, autocommit=True) as conn:
        while deadlines:
            now = time.monotonic()
            names = conn.execute("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                                 " WHERE l.locktype = 'advisory' AND l.classid = %s AND l.granted", (LIBRARY_LOCK,)).fetchall()
            inside = {n for (n,) in names}
            for w in list(deadlines):
                if procs[w].poll() is not None:  # finished (or failed) before its moment: a miss
                    del deadlines[w]
                    continue
                if w not in started and f"kl{round_no}w{w}" in inside:
                    started[w] = now
                if w in started and now - started[w] >= deadlines[w]:
                    procs[w].send_signal(signal.SIGKILL)
                    if f"kl{round_no}w{w}" in inside:
                        landed.append(w)
                    del deadlines[w]
            time.sleep(0.02)
    return landed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--articles", type=int, default=200, help="synthetic articles added to the 12 seeds")
    ap.add_argument("--timed", type=float, default=0.5, help="share of kills at a random moment instead of a fault point")
    ap.add_argument("--max-seconds", type=float, default=1500)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    binaries = find_binaries()
    if binaries is None:
        sys.exit("PostgreSQL is not installed (initdb, pg_ctl, postgres)")
    rng = random.Random(args.seed)
    t_start = time.time()
    work = Path(tempfile.mkdtemp(prefix="kill-loop-pg-"))
    files = make_corpus(work / "corpus", args.articles, rng)
    names = {p.name: p for p in files}
    halves = [sorted(p.name for p in files[0::2]), sorted(p.name for p in files[1::2])]
    server = PostgresServer(binaries)
    server.start()
    chroma, chroma_url = start_chroma(work)
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    base.update(ASSISTANT_EMBEDDER="hash", ANONYMIZED_TELEMETRY="False", PYTHONPATH=str(REPO), ASSISTANT_CHROMA_URL=chroma_url)
    processes = 0

    def env_for(url: str, writer: int, fault: str | None = None) -> dict:
        env = dict(base, ASSISTANT_LIBRARY_URL=url, ASSISTANT_HOME=str(work / f"home-{writer}"))
        if fault:
            env["ASSISTANT_FAULT"] = fault
        return env

    def start(url: str, writer: int, *cmd, fault: str | None = None) -> subprocess.Popen:
        nonlocal processes
        processes += 1
        return subprocess.Popen([sys.executable, "-m", "assistant.cli", *map(str, cmd)], cwd=REPO, env=env_for(url, writer, fault),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    failures, rounds = [], []
    kills = survived = misses = left_pending = mid_ingest = 0
    try:
        ref_url = server.create_database("reference")
        t0 = time.time()
        p = start(ref_url, 9, "ingest", *files)
        _, err = p.communicate()
        if p.returncode != 0:
            sys.exit("reference ingest failed: " + err[-1500:])
        ingest_seconds = time.time() - t0
        # seconds of writer work per article (the reference ingest less a process's start-up, ~2 s)
        per_article = max(0.01, (ingest_seconds - 2.0) / len(files))
        ref = state(ref_url)
        url = server.create_database("library")
        present: set[str] = set()
        round_no = 0
        while kills < args.kills:
            if time.time() - t_start > args.max_seconds:
                failures.append({"round": "time", "message": f"over --max-seconds {args.max_seconds:g}"})
                break
            round_no += 1
            if round_no % 3 == 0 and len(present) > 10:
                gone = rng.sample(sorted(present), len(present) // 3)
                p = start(url, 0, "forget", "--yes", *sorted({state(url)["by_origin"][n] for n in gone}))
                _, err = p.communicate()
                if p.returncode != 0:
                    failures.append({"round": round_no, "forget": err[-800:]})
                    break
                present -= set(gone)
            groups = []
            for half in halves:
                missing = [n for n in half if n not in present]
                add = rng.sample(missing, rng.randint(1, len(missing))) if missing else []
                groups.append(sorted((present & set(half)) | set(add)))
            target = present | set(groups[0]) | set(groups[1])
            victims = rng.choice([[0], [1], [0, 1]])
            procs, how, deadlines = [], [], {}
            for w, group in enumerate(groups):
                fault = None
                new = len([n for n in group if n not in present])
                if w in victims and rng.random() >= args.timed:
                    # a fault point of a batch that comes: batches of 32 new articles
                    fault = rng.choice(POINTS)
                    n = rng.randint(1, max(1, -(-new // 32)))
                    fault = f"{fault}:{n}" if n > 1 else fault
                elif w in victims:
                    # timed: a random moment of this writer's expected work, counted from when it holds
                    # the library lock (imports done, its writer session started)
                    deadlines[w] = rng.uniform(0.0, max(0.3, new * per_article))
                name = f"kl{round_no}w{w}"
                procs.append(start(url + "?application_name=" + name, w, "ingest", *[names[n] for n in group], fault=fault))
                how.append(fault or ("timed" if w in victims else "runs"))
            landed = kill_when_due(url, procs, dict(deadlines), round_no)
            codes = [p.wait(300) for p in procs]
            killed = [w for w, c in enumerate(codes) if c == -signal.SIGKILL]
            # a timed kill that came after its writer had left its session (finishing, exiting) tested
            # nothing: a miss, not a kill, so the loop goes on until enough kills landed mid-ingest
            late = [w for w in killed if w in deadlines and w not in landed]
            real = [w for w in killed if w not in late]
            # a fault point kills from inside the writer; a timed kill lands when the writer was in its session
            mid_ingest += len([w for w in real if w not in deadlines]) + len(landed)
            misses += len([w for w in victims if w not in killed]) + len(late)
            kills += len(real)
            for w, c in enumerate(codes):
                if c not in (0, -signal.SIGKILL):
                    failures.append({"round": round_no, "writer": w, "exit": c, "stderr": procs[w].stderr.read()[-800:]})
            if state(url)["not_committed"]:
                left_pending += 1
            # both again, at once, to the end
            again = [start(url, w, "ingest", *[names[n] for n in group]) for w, group in enumerate(groups)]
            errs = [p.communicate()[1] for p in again]
            ok = all(p.returncode == 0 for p in again)
            if not ok:
                failures.append({"round": round_no, "recovery": [e[-800:] for e in errs]})
            got = state(url)
            want = {k: v for k, v in ref["revisions"].items() if k.split("@")[0] in {ref["by_origin"][n] for n in target}}
            chk = subprocess.run([sys.executable, "-m", "assistant.cli", "check"], cwd=REPO, env=env_for(url, 0), capture_output=True, text=True)
            processes += 1
            ok = ok and chk.returncode == 0 and got["not_committed"] == 0 and got["revisions"] == want
            if not ok:
                failures.append({"round": round_no, "check": chk.stdout[-600:], "not_committed": got["not_committed"],
                                 "missing": sorted(set(want) - set(got["revisions"]))[:5], "unexpected": sorted(set(got["revisions"]) - set(want))[:5],
                                 "differs": sorted(k for k in want if k in got["revisions"] and got["revisions"][k] != want[k])[:5]})
            if ok:
                survived += len(real)
                present = target
            rounds.append({"round": round_no, "how": how, "killed": killed, "late": late, "articles": len(target), "survived": ok})
    finally:
        chroma.terminate()
        chroma.wait(20)
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.time() - t_start
    result = {"kills": kills, "survived": survived, "mid_ingest": mid_ingest, "misses": misses, "rounds": len(rounds), "left_pending": left_pending,
              "processes": processes, "seconds": round(seconds), "seed": args.seed, "articles": len(files), "failures": failures}
    if args.json:
        print(json.dumps({**result, "log": rounds}, indent=2))
    print(f"kills: {kills} survived: {survived} mid-ingest: {mid_ingest} ({left_pending} rounds left pending rows) misses: {misses} rounds: {len(rounds)} "
          f"processes: {processes} seconds: {seconds:.0f} seed: {args.seed} (two writers, PostgreSQL + Chroma server)")
    for f in failures:
        print("FAILED:", json.dumps(f)[:1500], file=sys.stderr)
    # not vacuous: every kill must have landed inside a writer's session, and most kills must land at all
    ok = survived == kills and kills >= args.kills and mid_ingest == kills and misses <= kills // 4 and not failures
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
