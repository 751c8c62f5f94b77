"""A short run at a size past 1 M quads: load (ours beside `oxigraph load`), memory, disk, queries and the API.

    python -m bench.scale SIZE [--queries theme,six_lessons,...|none] [--same-content] [--no-native] [--out FILE.json]
    python -m bench.scale SIZE --api [--starts 2] [--rounds 3] [--max-s 20] [--query-timeout 300] ...

For when the whole `bench.run` at that size would not finish (rdflib and the remote loads take hours at 10 M):
generates (or reuses) the dataset, loads its N-Quads into our embedded store on disk in a fresh process (time,
resident memory, disk bytes) and, in turn, with Oxigraph's own `oxigraph load` followed by `oxigraph optimize` (both
figures kept; with `--same-content` also on a dump of our loaded store, the same content), then runs each chosen
query on our store (kept for the purpose) through a query worker of the sandbox beside the engine called in-process on
the same files (wall and CPU time, rows): what the worker adds at that size.

With `--api`, every row of issue 17 at that size, composed of the other benches' parts: the store is loaded under
the key of a build folder (the dataset's TriG and a manifest, `bench.startup.build_folder`), the build's step that
stores the API's indexes runs on it (`kg.pipeline.indexes.write_indexes`: time, bytes), then

- our API's start-up on that embedded store, `--starts` times (`bench.startup.starts`: uvicorn started -> first 200
  from /health, the build's stored indexes loaded, the store not loaded again);
- one more API on it, kept running: the time until its background work (search index, networks) is over
  (`servers.wait_quiet`), its resident memory, `/api/resources?theme=` (median over HTTP), and `/sparql`, the theme
  query and every competency query, in alternation with `oxigraph serve-read-only` on the same store files
  (`bench.sparql_side.against_engine`: wall and CPU ms, geometric means, ratios). Both servers get the same time
  limit per query (`--query-timeout`), and our API row and answer limits large enough to send what the engine
  sends (QIKG_ROW_LIMIT, QIKG_ANSWER_LIMIT_MB), so large answers are timed rather than refused;
- last, a remote store: an Oxigraph server (`oxigraph serve`) whose folder holds exactly what `RemoteStore.load` writes
  (the named graphs, their merge as the union graph, the load's record with the build's key), written by Oxigraph's
  own bulk loader (`oxigraph load`; through the Graph Store Protocol the load would take far longer at 10 M), then
  our API's start-up against it `--starts` times and `/api/resources?theme=` on it; the server's memory and disk.

Every process and folder it starts is removed; results are written to `--out` after each step, so a run stopped
halfway keeps what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyoxigraph as ox

from bench import data, latency, loadrate, machine, servers, sparql_side, startup
from bench.run import ID_BASE, THEME_QUERY, bind_literal

DEFAULT_QUERIES = "theme,six_lessons,announced_chats,panel_members,tweets_after_the_chat"


def queries_here(location: Path, queries: list[tuple[str, str]], rounds: int) -> dict:
    """Each query through a sandbox worker (JSON, as /sparql asks for it) and on the engine in this process."""
    from kg.sparql.formats import JSON
    from kg.sparql.sandbox import QuerySandbox, WorkerLimits
    from kg.store.base import StoreSpec

    raw = ox.Store.read_only(str(location))
    spec = StoreSpec("oxigraph", str(location))
    graphs = sorted(g.value for g in raw.named_graphs() if isinstance(g, ox.NamedNode))
    box = QuerySandbox(lambda: spec, workers=1, limits=WorkerLimits("best-effort", 2 << 30, 16 << 20))
    out: dict = {}
    try:
        box.run("ASK {}", timeout=600, row_limit=1, allowed_graphs=graphs)  # the worker's start is not a query's
        for name, text in queries:
            engine, worker = [], []
            rows = None
            for _ in range(rounds):
                started = time.perf_counter()
                answer = raw.query(text)
                rows = 1 if isinstance(answer, ox.QueryBoolean) else sum(1 for _ in answer)
                engine.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                box.run(text, timeout=600, row_limit=10**7, allowed_graphs=graphs, wanted={"SELECT": JSON})
                worker.append((time.perf_counter() - started) * 1000)
            out[name] = {  # the worker's first run of a text also parses it for the policy check (then cached)
                "rows": rows,
                "engine_ms": round(statistics.median(engine), 1),
                "worker_ms": round(statistics.median(worker), 1),
                "engine_runs_ms": [round(t, 1) for t in engine],
                "worker_runs_ms": [round(t, 1) for t in worker],
            }
            print(name, out[name], file=sys.stderr, flush=True)
    finally:
        box.close()
    return out


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """The servers started meanwhile see `values` (they inherit this process's environment); restored after."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _resources(server: servers.Server, theme: str, max_s: float) -> dict:
    """`/api/resources?theme=` on a running API: what it answers from its in-memory index, timed over HTTP."""
    url = f"{server.base}/api/resources"
    with httpx.Client(timeout=60.0) as client:
        first = client.get(url, params={"theme": theme})
        first.raise_for_status()
        timed = latency.timed_loop(lambda: client.get(url, params={"theme": theme}), max_n=300, max_s=max_s)
    return {"total": latency.result_rows(first), **timed}


def remote_location(nquads: Path, generation: Path, build: Path, key: str, quads: int, target: Path) -> dict:
    """Write into `target` (an Oxigraph server's folder) what `RemoteStore.load(build/qikg.trig, key)` would write
    over HTTP: every named graph of `nquads`, their merge as `UNION_GRAPH` (dumped from our loaded store's default
    graph, the same merge) and the load's record in `STORE_META`, written last as the remote store writes it.
    Oxigraph's own bulk loader does it, from files; the API started on the server then finds it loaded."""
    from kg.store.remote import STORE_META, UNION_GRAPH, LoadRecord

    binary = str(servers.BIN / "oxigraph")
    union, meta = target.parent / "union.nt", target.parent / "store-meta.nq"
    started = time.perf_counter()
    raw = ox.Store.read_only(str(generation))
    graphs = tuple(sorted(g.value for g in raw.named_graphs() if isinstance(g, ox.NamedNode)))
    raw.dump(output=str(union), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    del raw
    record = LoadRecord(key, str(build / "qikg.trig"), graphs, quads)
    meta_graph = ox.NamedNode(STORE_META)
    ox.serialize(
        [ox.Quad(t.subject, t.predicate, t.object, meta_graph) for t in record.facts()],
        output=str(meta),
        format=ox.RdfFormat.N_QUADS,
    )
    dump_s = time.perf_counter() - started
    out: dict = {"dump_s": round(dump_s, 2), "seconds": 0.0, "cpu_s": 0.0, "rss_peak": 0}
    steps = (
        [binary, "load", "--location", str(target), "--file", str(nquads), "--lenient"],
        [binary, "load", "--location", str(target), "--file", str(union), "--graph", UNION_GRAPH, "--lenient"],
        [binary, "load", "--location", str(target), "--file", str(meta), "--lenient"],
    )
    try:
        with (target.parent / "oxigraph-load.log").open("w+b") as log:
            for cmd in steps:
                status, seconds, cpu, peak = loadrate._run_timed(cmd, log, 7200)
                if os.waitstatus_to_exitcode(status) != 0:
                    log.seek(0)
                    raise RuntimeError(f"{' '.join(cmd[:2])} failed: {log.read().decode(errors='replace')[-500:]}")
                out["seconds"] = round(out["seconds"] + seconds, 2)
                out["cpu_s"] = round(out["cpu_s"] + cpu, 2)
                out["rss_peak"] = max(out["rss_peak"], peak)
    finally:
        union.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
    out["graphs"] = len(graphs)
    out["disk_bytes"] = _dir_bytes(target)
    out["disk_bytes_per_quad"] = round(out["disk_bytes"] / quads, 1) if quads else None
    return out


def api_rows(
    build: Path, store_dir: Path, nquads: Path, quads: int, args: argparse.Namespace, out: dict, save: Callable
) -> None:
    """The API's rows (see the module's docstring) into `out`, saved after each step."""
    from kg.indexes import stored
    from kg.pipeline.indexes import write_indexes
    from kg.pipeline.manifest import build_key

    logs = data.WORK / "logs" / f"scale-{args.size}"
    key = build_key(build)
    t = time.perf_counter()
    out["build_step"] = write_indexes(build, store_dir, ID_BASE)  # what the pipeline pays at each build
    out["build_step"]["wall_s"] = round(time.perf_counter() - t, 2)
    folder = build / stored.FOLDER
    out["indexes_disk_bytes"] = _dir_bytes(folder)
    out["indexes_disk_bytes_per_quad"] = round(out["indexes_disk_bytes"] / quads, 1)
    if stored.load(build, key, ID_BASE).reason != "loaded":
        raise RuntimeError(f"the stored indexes in {folder} do not load for the build's key")
    save()
    generation_name = json.loads((store_dir / "CURRENT.json").read_text())["generation"]
    generation = store_dir / generation_name
    theme_sparql = bind_literal(THEME_QUERY.read_text(encoding="utf-8"), "root", ID_BASE + "theme/" + args.theme)
    queries = [("theme", theme_sparql), *latency.cq_queries()]
    if args.sparql_only:
        keep = {n.strip() for n in args.sparql_only.split(",")}
        queries = [(n, q) for n, q in queries if n in keep]
    limits = {
        "QIKG_QUERY_TIMEOUT": f"{args.query_timeout:g}",
        "QIKG_ROW_LIMIT": str(10**7),
        "QIKG_ANSWER_LIMIT_MB": "4096",
        "QIKG_RELOAD_INTERVAL": "0",
    }
    out["limits"] = limits
    remote_dir = store_dir.parent / "remote" / "store"
    with _environ(limits):
        with servers.api_server(build, "oxigraph", logs / "api-embedded.log", store_dir=store_dir) as api:
            api_started = time.monotonic()
            embedded: dict = {"start_s": api.started_s, "rss_at_start": api.rss()}
            out["embedded"] = embedded
            save()
            # while this API does its background work (search index, networks), the start-ups, which are not timed
            # beside the engine (wall time; the load average is kept with them)
            out["startup_embedded"] = startup.starts(
                {"stored indexes": build}, args.starts, logs, backend="oxigraph", store_dir=store_dir
            )
            out["startup_embedded"]["load_avg"] = list(os.getloadavg())
            save()
            waited = servers.wait_quiet(api, timeout_s=args.quiet_timeout)
            embedded["quiet_timed_out"] = waited >= args.quiet_timeout
            embedded["quiet_after_start_s"] = round(time.monotonic() - api_started + api.started_s, 1)
            embedded["cpu_s_until_quiet"] = round(servers.cpu_ms(api.process.pid) / 1000, 1)  # workers included
            embedded["rss_quiet"] = api.rss()
            embedded["resources_theme"] = _resources(api, args.theme, min(args.max_s, 10.0))
            save()
            # the competency queries first, then the theme query (minutes each at 10 M): each part saved when done
            for part in ([q for q in queries if q[0] != "theme"], [q for q in queries if q[0] == "theme"]):
                if not part:
                    continue
                side = sparql_side.against_engine(
                    api, generation, part, args.rounds, args.max_s, logs, timeout_s=args.query_timeout
                )
                embedded.setdefault("http", {}).update(side.pop("http"))
                embedded |= side
                save()
            embedded["summary"] = sparql_side.summarise(embedded, [n for n, _ in queries])
            embedded["generation_unchanged"] = (
                json.loads((store_dir / "CURRENT.json").read_text())["generation"] == generation_name
            )
            save()
    if not args.no_remote:  # last: writing its folder takes as long as a load, and a failure there loses nothing
        with _environ(limits):
            try:
                remote_rows(build, nquads, generation, key, quads, remote_dir, args, logs, out, save)
            except (RuntimeError, servers.ServerFailed, OSError) as error:
                out["remote_error"] = f"{type(error).__name__}: {error}"[:500]
                save()


def remote_rows(
    build: Path,
    nquads: Path,
    generation: Path,
    key: str,
    quads: int,
    remote_dir: Path,
    args: argparse.Namespace,
    logs: Path,
    out: dict,
    save: Callable,
) -> None:
    """The remote store's rows into `out`: its folder written, then our API's start-ups against it and
    `/api/resources?theme=` on it, the server's memory and disk; the folder removed after."""
    remote_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        out["remote_load"] = remote_location(nquads, generation, build, key, quads, remote_dir)
        save()
        with servers.oxigraph_server(remote_dir, logs / "oxigraph-remote.log", start_timeout=600) as remote:
            out["startup_remote"] = startup.starts(
                {"stored indexes": build}, args.starts, logs, backend="remote", remote=remote
            )
            out["startup_remote"]["load_avg"] = list(os.getloadavg())
            save()
            with servers.api_server(build, "remote", logs / "api-remote.log", remote=remote) as api:
                out["remote"] = {
                    "start_s": api.started_s,
                    "api_rss": api.rss(),
                    "resources_theme": _resources(api, args.theme, min(args.max_s, 10.0)),
                }
            out["remote"]["server_rss"] = remote.rss()
            out["remote"]["server_disk_bytes"] = _dir_bytes(remote_dir)
            save()
    finally:
        shutil.rmtree(remote_dir.parent, ignore_errors=True)  # its disk back before the rows that follow


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.splitlines()[0])
    parser.add_argument("size", help="10m, 5m, or a number of quads")
    parser.add_argument("--queries", default=DEFAULT_QUERIES, help="in-process queries (none: skip them)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--same-content",
        action="store_true",
        help="also time `oxigraph load` + optimize on a dump of our loaded store (named graphs + merged default)",
    )
    parser.add_argument("--no-native", action="store_true", help="skip `oxigraph load` of the file")
    parser.add_argument(
        "--api",
        action="store_true",
        help="also the API over HTTP: start-up (embedded and remote), /api/resources?theme=, /sparql beside the engine",
    )
    parser.add_argument("--no-remote", action="store_true", help="with --api: skip the remote Oxigraph server")
    parser.add_argument("--starts", type=int, default=2, help="with --api: API start-ups per store")
    parser.add_argument("--max-s", type=float, default=20.0, help="with --api: stop a query's rounds after this")
    parser.add_argument("--query-timeout", type=float, default=300.0, help="with --api: seconds per query, both sides")
    parser.add_argument("--quiet-timeout", type=float, default=1800.0, help="with --api: longest wait for quiet")
    parser.add_argument("--sparql-only", help="with --api: comma-separated /sparql query names (theme, CQ stems)")
    parser.add_argument("--theme", default="golden-thread")
    parser.add_argument(
        "--data",
        type=Path,
        help="a folder holding data.nq and qikg.trig (a generation cut short, say) instead of data.prepare(SIZE)",
    )
    args = parser.parse_args(argv)
    args.command = "python -m bench.scale " + " ".join(argv if argv is not None else sys.argv[1:])
    return args


def run(ds: data.Dataset, args: argparse.Namespace) -> dict:
    """Every step the arguments ask for, on the dataset `ds`; the results (also in `args.out` as they come)."""
    result: dict = {
        "command": args.command,
        "machine": machine.info(),
        "dataset": ds.summary(),
        "load_avg_start": list(os.getloadavg()),
    }

    def save() -> None:
        result["load_avg_last"] = list(os.getloadavg())
        if args.out:
            args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")

    folder = data.scratch_dir("scale-")
    try:
        key, build = "bench", None
        if args.api:  # the store loaded under a build's key, so the API opens it without loading it again
            from kg.pipeline.manifest import build_key

            trig = ds.trig_dir / "qikg.trig"
            build = startup.build_folder(folder / "build", trig, startup.manifest_text(trig))
            key = build_key(build)
        ours = loadrate.measure("oxigraph", ds.nquads, folder / "store", timeout=7200, key=key)
        result["load"] = {"oxigraph": ours}
        print(json.dumps(ours), file=sys.stderr, flush=True)
        if "error" in ours:
            save()
            raise RuntimeError(f"our load failed: {ours['error']}")
        save()
        if not args.no_native:
            # `oxigraph load` then `oxigraph optimize`: the load alone and the load with the compaction ours ends with
            result["load"]["oxigraph-cli"] = native = loadrate.native_load(ds.nquads, timeout=3600, optimize=True)
            print(json.dumps(native), file=sys.stderr, flush=True)
            if ours.get("seconds") and native.get("seconds"):
                result["load_ratio"] = round(native["load_s"] / ours["seconds"], 3)  # rate ours / rate engine
                result["load_ratio_with_optimize"] = round(native["seconds"] / ours["seconds"], 3)
                result["cpu_ratio"] = round(ours["cpu_s"] / native["cpu_s"], 3)  # CPU ours / CPU engine (+ optimize)
            save()
        # the measuring process loaded the store under folder/store and left it there: query that generation
        pointer = json.loads((folder / "store" / "CURRENT.json").read_text())
        if args.same_content:  # the engine's loader on what our store holds: the fair baseline of our layout's work
            content, quads = loadrate.same_content(ds.nquads, loaded=folder / "store")
            result["load"]["oxigraph-cli/content"] = loadrate.native_load(
                content, timeout=3600, optimize=True, quads=quads
            )
            print(json.dumps(result["load"]["oxigraph-cli/content"]), file=sys.stderr, flush=True)
            content.unlink()
            same = result["load"]["oxigraph-cli/content"]
            if same.get("seconds"):
                result["load_ratio_same_content"] = round(same["seconds"] / ours["seconds"], 3)
                result["cpu_ratio_same_content"] = round(ours["cpu_s"] / same["cpu_s"], 3)
            save()
        wanted = {n.strip() for n in args.queries.split(",")} - {"none", ""}
        if wanted:
            theme = bind_literal(THEME_QUERY.read_text(encoding="utf-8"), "root", ID_BASE + "theme/" + args.theme)
            chosen = [(n, q) for n, q in [("theme", theme), *latency.cq_queries()] if n in wanted]
            result["queries"] = queries_here(folder / "store" / pointer["generation"], chosen, args.rounds)
            save()
        if build is not None:
            result["api"] = {}
            api_rows(build, folder / "store", ds.nquads, ds.quads, args, result["api"], save)
        result["load_avg_end"] = list(os.getloadavg())
        save()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def dataset_in(folder: Path, size: str) -> data.Dataset:
    """The dataset in `folder` (data.nq, qikg.trig; meta.json if `data.prepare` finished it): its quads counted
    when no meta says, its chats as the named graphs past the seed's when known."""
    nquads, trig = folder / "data.nq", folder / "qikg.trig"
    for needed in (nquads, trig):
        if not needed.is_file():
            raise SystemExit(f"--data {folder}: no {needed.name} there")
    meta = json.loads((folder / "meta.json").read_text()) if (folder / "meta.json").is_file() else {}
    if "quads" not in meta:
        with nquads.open("rb") as lines:
            meta["quads"] = sum(1 for line in lines if line.strip())
    return data.Dataset(size, nquads, folder, meta["quads"], meta.get("chats", 0), meta.get("generate_s", 0.0), True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(dataset_in(args.data, args.size) if args.data else data.prepare(args.size), args)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
