"""Ingest throughput of the library backends, side by side in one run (issue 15):

  * SQLite, 1 writer, embedded Chroma (the default installation);
  * SQLite, 1 writer, Chroma server;
  * PostgreSQL, 1 writer, Chroma server;
  * PostgreSQL, 2 writer processes at once (each half of the corpus), the same Chroma server.

The hash embedder is used, so that the library (and the vector store) is what is measured. Each
run has a fresh database and data directory; every writer is a real `assistant ingest` process.
Besides wall time it reads the CPU seconds spent by the writers (rusage of the children), by the
PostgreSQL server (all its processes, /proc) and by the Chroma server: where the time goes.

    python benchmarks/pg_writers.py --data ../shared/data/realtimeqa      # the realtimeqa corpus (782 documents)
    python benchmarks/pg_writers.py --data ../shared/data/realtimeqa --repeats 5 --plans pg1,pg2
    python benchmarks/pg_writers.py --synthetic 2000                        # no data needed

Starts its own PostgreSQL (tests/postgres_server.py: initdb + pg_ctl on a temporary directory, as
nobody when run as root) and `chroma run`, both on loopback ports 55400-55499 (ASSISTANT_TEST_PG_PORT moves the range), and stops them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.postgres_server import PostgresServer, _free_port, find_binaries  # noqa: E402


def corpus(args) -> list[dict]:
    if args.data:
        from assistant.evaluation import realtimeqa

        docs = realtimeqa.load(args.data).docs
        return docs[: args.limit] if args.limit else docs
    from benchmarks.kill_loop import PLACES, WORDS

    rng = random.Random(1)
    out = []
    for i in range(args.synthetic):
        place = rng.choice(PLACES)
        sents = [f"The {a} in {place} said that the {b} would affect the {c} by {rng.randint(2, 95)} percent."
                 for a, b, c in (rng.sample(WORDS, 3) for _ in range(rng.randint(6, 30)))]
        out.append({"title": f"{place} report {i}", "url": f"https://example.org/{i}", "published": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "text": " ".join(sents)})
    return out


def cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (from /proc; gone processes count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / tick  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            pass
    return total


def postgres_pids(server: PostgresServer) -> list[int]:
    pid_file = server.data / "postmaster.pid"
    if not pid_file.exists():
        return []
    root = int(pid_file.read_text().split()[0])
    out = [root]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if int((p / "stat").read_text().rsplit(")", 1)[1].split()[1]) == root:
                    out.append(int(p.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def start_chroma(work: Path) -> tuple[subprocess.Popen, str]:
    exe = Path(sys.executable).parent / "chroma"
    port = _free_port()
    log = open(work / "chroma.log", "w")
    proc = subprocess.Popen([str(exe), "run", "--path", str(work / "chroma-data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
            return proc, url
        except Exception:
            time.sleep(0.3)
    proc.kill()
    sys.exit("chroma server did not start")


def run_writers(files: list[Path], env: dict, work: Path, code: Path = REPO) -> dict:
    """One `assistant ingest` process per entry of files (a list of paths each), all at once,
    running the code in ``code`` (this checkout, or --baseline's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    env = dict(env, PYTHONPATH=str(code))
    outs = [open(work / f"writer-{i}.out", "w+") for i in range(len(files))]  # files, not pipes: a full pipe would stall a writer
    procs = [subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", *map(str, group), "--json"], cwd=code, env=env,
                              stdout=out, stderr=subprocess.DEVNULL, text=True) for group, out in zip(files, outs)]
    docs = []
    for p, out in zip(procs, outs):
        p.wait()
        out.seek(0)
        text = out.read()
        out.close()
        if p.returncode != 0:
            sys.exit(f"a writer failed (exit {p.returncode}): {text[-1500:]}")
        docs.append(json.loads(text))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": wall, "added": sum(d["added"] for d in docs), "chunks": sum(d["chunks_embedded"] for d in docs),
            "writer_cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


PLANS = {
    "sqlite": ("SQLite, 1 writer, embedded Chroma", False, False, 1),
    "sqlite-server": ("SQLite, 1 writer, Chroma server", False, True, 1),
    "pg1": ("PostgreSQL, 1 writer, Chroma server", True, True, 1),
    "pg2": ("PostgreSQL, 2 writers, Chroma server", True, True, 2),
}


def median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, help="realtimeqa data directory (else --synthetic)")
    ap.add_argument("--synthetic", type=int, default=2000, help="synthetic articles when no --data (default 2000)")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3, help="rounds of every plan, interleaved (medians are reported)")
    ap.add_argument("--plans", default="sqlite,pg1,pg2", help=f"comma-separated, of {','.join(PLANS)} (default sqlite,pg1,pg2)")
    ap.add_argument("--baseline", type=Path, help="also run every plan with the code in this directory (another checkout), interleaved")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.data and not (args.data / "gold.jsonl").exists():
        sys.exit(f"no realtimeqa data at {args.data}")
    plans = [p.strip() for p in args.plans.split(",") if p.strip()]
    if not plans or any(p not in PLANS for p in plans):
        sys.exit(f"--plans: choose from {', '.join(PLANS)}")
    binaries = find_binaries()
    if binaries is None:
        sys.exit("PostgreSQL is not installed (initdb, pg_ctl, postgres)")

    docs = corpus(args)
    work = Path(tempfile.mkdtemp(prefix="pg-writers-"))
    halves = [work / "half-1.jsonl", work / "half-2.jsonl"]
    for i, path in enumerate(halves):
        path.write_text("".join(json.dumps(d) + "\n" for d in docs[i::2]))
    server = PostgresServer(binaries)
    server.start()
    chroma, chroma_url = start_chroma(work)
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    base.update(ASSISTANT_EMBEDDER="hash", ANONYMIZED_TELEMETRY="False", PYTHONPATH=str(REPO))
    runs = []
    try:
        n = 0
        for rep in range(args.repeats):
            # interleaved (pg1, pg2, pg1, pg2, ...): every plan sees the same machine load on average
            for key, code in [(k, c) for k in plans for c in ([REPO, args.baseline] if args.baseline else [REPO])]:
                label, on_pg, server_vectors, writers = PLANS[key]
                if code != REPO:
                    key, label = key + "@baseline", label + " (baseline)"
                n += 1
                env = dict(base, ASSISTANT_HOME=str(work / f"home-{n}"))
                if server_vectors:
                    env["ASSISTANT_CHROMA_URL"] = chroma_url
                if on_pg:
                    env["ASSISTANT_LIBRARY_URL"] = server.create_database(f"db{n}")
                groups = [halves] if writers == 1 else [[halves[0]], [halves[1]]]
                pg_before, chroma_before = cpu_of(postgres_pids(server)), cpu_of([chroma.pid])
                load = os.getloadavg()[0]
                r = run_writers(groups, env, work, code)
                r.update(plan=key, label=label, repeat=rep + 1, writers=writers, load=load,
                         pg_cpu=cpu_of(postgres_pids(server)) - pg_before, chroma_cpu=cpu_of([chroma.pid]) - chroma_before)
                r["articles_per_s"] = r["added"] / r["wall"]
                runs.append(r)
                print(f"#{rep + 1} {label:38s} {r['added']:5d} articles {r['wall']:6.1f} s {r['articles_per_s']:6.1f} art/s  "
                      f"CPU s: writers {r['writer_cpu']:.1f}, postgres {r['pg_cpu']:.1f}, chroma {r['chroma_cpu']:.1f}  (load {load:.1f})", flush=True)
    finally:
        chroma.terminate()
        chroma.wait(20)
        server.stop()
    summary = {}
    print(f"\nmedians of {args.repeats} ({len(docs)} documents, hash embedder, {os.cpu_count()} cores); CPU ms per article:")
    for key in [k + tag for k in plans for tag in (["", "@baseline"] if args.baseline else [""])]:
        rs = [r for r in runs if r["plan"] == key]
        m = {f: median([r[f] for r in rs]) for f in ("wall", "articles_per_s", "writer_cpu", "pg_cpu", "chroma_cpu")}
        added = rs[0]["added"] or 1
        m.update({f"{f}_ms_per_article": 1000 * m[f] / added for f in ("writer_cpu", "pg_cpu", "chroma_cpu")})
        m["cpu_ms_per_article"] = m["writer_cpu_ms_per_article"] + m["pg_cpu_ms_per_article"] + m["chroma_cpu_ms_per_article"]
        m["all"] = [round(r["articles_per_s"], 1) for r in rs]
        summary[key] = m
        print(f"{key:16s} {m['articles_per_s']:6.1f} art/s {m['all']}  wall {m['wall']:5.1f} s  "
              f"writers {m['writer_cpu_ms_per_article']:.1f} + postgres {m['pg_cpu_ms_per_article']:.1f} + chroma {m['chroma_cpu_ms_per_article']:.1f} "
              f"= {m['cpu_ms_per_article']:.1f} ms/article")
    for tag in ["", "@baseline"] if args.baseline else [""]:
        if "pg1" + tag in summary and "pg2" + tag in summary:
            ratios = [b["articles_per_s"] / a["articles_per_s"] for a, b in zip([r for r in runs if r["plan"] == "pg1" + tag], [r for r in runs if r["plan"] == "pg2" + tag])]
            summary["speedup_2_writers" + tag] = round(median(ratios), 2)
            cpu = summary["pg2" + tag]["cpu_ms_per_article"] / 1000
            print(f"2 writers / 1 writer on PostgreSQL{tag}: median {median(ratios):.2f}x (per repeat: {', '.join(f'{x:.2f}' for x in ratios)}); "
                  f"CPU-bound ceiling on {os.cpu_count()} cores: {os.cpu_count() / cpu:.0f} articles/s ({1000 * cpu:.1f} CPU ms per article, all processes)")
    if args.json:
        print(json.dumps({"documents": len(docs), "cores": os.cpu_count(), "runs": runs, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
