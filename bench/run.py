"""The benchmark suite: one command, every back-end side by side at each size, results as JSON and markdown.

    .venv/bin/python -m bench.run [--sizes seed,100k,1m] [--quick] [--theme golden-thread]

For each size: load rate and resident memory per quad (embedded Oxigraph on disk and in memory, rdflib, Oxigraph
server), latency of the theme lookup and of the competency queries over HTTP (our API on embedded Oxigraph, on a
remote Oxigraph server and on rdflib; rdflib-endpoint; Oxigraph server's /query), concurrent load on our API, and a
profile of the theme lookup. Plus the seed build's time split and the graph view's time to a stable layout (headless
Chromium). Writes bench/results/results.json and bench/results/RESULTS.md. Servers bind 127.0.0.1 only; every loop
is bounded in count and time; every server started is stopped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from bench import data, latency, loadrate, machine, report, servers

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
THEME_QUERY = ROOT / "api" / "queries" / "resources_by_theme.rq"
ID_BASE = "https://w3id.org/qikg/id/"
LOGS = data.WORK / "logs"


@dataclass(frozen=True)
class Config:
    quick: bool
    theme_n: int
    theme_s: float
    cq_n: int
    cq_s: float
    request_timeout: float
    clients: int
    load_s: float
    api_start_s: float  # bound on our API's start-up (load + catalogue) before giving up at a size
    rdflib_api_max_quads: int  # above this, the API on rdflib is not started (3 processes each parse the data)

    @classmethod
    def make(cls, quick: bool) -> Config:
        if quick:
            return cls(True, 60, 3.0, 5, 0.5, 30.0, 16, 10.0, 90.0, 20_000)
        return cls(False, 300, 10.0, 20, 2.0, 60.0, 16, 30.0, 150.0, 150_000)


def bind_literal(query: str, var: str, iri: str) -> str:
    """The API's query with `?var` fixed to `<iri>` in the text (for servers that take no bindings)."""
    head, sep, body = query.partition("WHERE {")
    if not sep:
        raise ValueError("expected 'WHERE {' in the query")
    lines = head.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.lstrip().upper().startswith("SELECT"):
            lines[i] = line.replace(f"?{var} ", f"(<{iri}> AS ?{var}) ", 1)
    return "".join(lines) + sep + body.replace(f"?{var}", f"<{iri}>")


def _rows(client: httpx.Client, url: str, query: str, timeout: float) -> tuple[int | None, float]:
    """Rows of one answer, and the seconds it took."""
    started = time.perf_counter()
    try:
        rows = latency.result_rows(
            client.post(url, data={"query": query}, headers={"Accept": latency.SPARQL_JSON}, timeout=timeout)
        )
    except httpx.HTTPError:
        rows = None
    return rows, time.perf_counter() - started


def sparql_latencies(server: servers.Server, theme_sparql: str, cqs: list[tuple[str, str]], cfg: Config) -> dict:
    out: dict = {}
    with httpx.Client(timeout=cfg.request_timeout) as client:
        # a slow server (rdflib at 1 M) gets a longer limit for the theme query, and its first answer is the warm-up
        theme_timeout = cfg.request_timeout * 5
        out["theme_timeout_s"] = theme_timeout
        out["theme_sparql_rows"], first_s = _rows(client, server.sparql_url, theme_sparql, theme_timeout)
        send = latency.sparql_sender(client, server.sparql_url, theme_sparql, timeout=theme_timeout)
        out["theme_sparql"] = latency.timed_loop(
            send, max_n=cfg.theme_n, max_s=cfg.theme_s, warmup=0 if first_s > cfg.theme_s else 1
        )
        cq: dict = {}
        for name, text in cqs:
            cq[name] = latency.timed_loop(
                latency.sparql_sender(client, server.sparql_url, text), max_n=cfg.cq_n, max_s=cfg.cq_s
            )
            if cq[name].get("detail", "").startswith("ReadTimeout"):
                cq["_stopped"] = f"stopped after {name}: the server did not answer within {cfg.request_timeout:g} s"
                break
        out["cq"] = cq
    out["server_rss_bytes"] = server.rss()
    out["start_s"] = server.started_s
    return out


def api_latencies(
    server: servers.Server, theme: str, theme_sparql: str, cqs: list[tuple[str, str]], cfg: Config
) -> dict:
    out = sparql_latencies(server, theme_sparql, cqs, cfg)
    url = f"{server.base}/api/resources"
    with httpx.Client(timeout=cfg.request_timeout) as client:
        first = client.get(url, params={"theme": theme})
        out["theme_api_total"] = latency.result_rows(first)
        out["theme_api"] = latency.timed_loop(
            lambda: client.get(url, params={"theme": theme}), max_n=cfg.theme_n, max_s=cfg.theme_s
        )
    return out


def concurrency(server: servers.Server, theme: str, theme_sparql: str, cfg: Config) -> dict:
    url = f"{server.base}/api/resources"
    api = latency.concurrent(lambda c: c.get(url, params={"theme": theme}), clients=cfg.clients, seconds=cfg.load_s)
    sparql = latency.concurrent(
        lambda c: c.post(server.sparql_url, data={"query": theme_sparql}, headers={"Accept": latency.SPARQL_JSON}),
        clients=cfg.clients,
        seconds=cfg.load_s,
    )
    return {"server": server.name, "api_resources_theme": api, "sparql_theme_query": sparql}


def _child(args: list[str], what: str, timeout: float) -> str | dict:
    """Run `python -m bench.<args>` in its own process: its standard output, or {"error": ...}."""
    try:
        done = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"{what} did not finish within {timeout:g} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return done.stdout


def profile(ds: data.Dataset, theme: str, timeout: float = 600.0) -> dict:
    out = _child(["bench.profile_theme", str(ds.trig_dir), theme], "profile", timeout)
    return out if isinstance(out, dict) else json.loads(out.strip().splitlines()[-1])


def bench_size(ds: data.Dataset, cfg: Config, theme: str, state: dict, say=print) -> dict:
    out: dict = {"dataset": ds.summary(), "load": {}, "latency": {}, "skipped": {}}
    theme_iri = ID_BASE + "theme/" + theme
    theme_sparql = bind_literal(THEME_QUERY.read_text(encoding="utf-8"), "root", theme_iri)
    cqs = latency.cq_queries()
    out["theme"] = {"id": theme, "iri": theme_iri, "sparql": theme_sparql}

    # N-Quads for every back-end alike; the TriG too, since that is what the API loads at start-up
    loads = (
        ("oxigraph", "oxigraph", ds.nquads),
        ("oxigraph-memory", "oxigraph-memory", ds.nquads),
        ("oxigraph (TriG)", "oxigraph", ds.trig_dir / "qikg.trig"),
    )
    for name, backend, source in loads:
        say(f"  load: {name}")
        folder = data.scratch_dir("load-") if backend == "oxigraph" else None
        try:
            out["load"][name] = loadrate.measure(backend, source, folder)
        finally:
            if folder:
                shutil.rmtree(folder, ignore_errors=True)

    say("  load: Oxigraph's own command-line loader, the engine's rate here")
    out["load"]["oxigraph-cli"] = loadrate.native_load(ds.nquads)

    say("  Oxigraph server: load via /store, then queries")
    location = data.scratch_dir("oxserver-")
    try:
        # the same layout as our stores (default graph = the merge of the named graphs, a set), not
        # --union-default-graph, which returns a triple once per graph holding it
        with servers.oxigraph_server(location, LOGS / f"oxigraph-{ds.size}.log") as srv:
            out["load"]["oxigraph-server"] = loadrate.server_load(srv, ds.nquads)
            out["latency"]["oxigraph-server"] = sparql_latencies(srv, theme_sparql, cqs, cfg)
    except servers.ServerFailed as error:
        out["skipped"]["oxigraph-server"] = str(error)
    finally:
        shutil.rmtree(location, ignore_errors=True)

    say("  rdflib-endpoint: parse into rdflib's memory store, then queries")
    try:
        with servers.rdflib_endpoint(ds.nquads, LOGS / f"rdflib-endpoint-{ds.size}.log") as srv:
            health = httpx.get(srv.base + "/health", timeout=30).json()
            quads = health["triples"]
            out["load"]["rdflib"] = {
                "backend": "rdflib",
                "quads": quads,
                "seconds": health["load_s"],
                "quads_per_s": round(quads / health["load_s"]) if health["load_s"] else None,
                "rss_before": health["rss_before"],
                "rss_after": health["rss_after"],
                "bytes_per_quad": round((health["rss_after"] - health["rss_before"]) / quads, 1) if quads else None,
                "via": "rdflib Dataset(default_union=True).parse, as kg.store.RdflibStore.load (in rdflib-endpoint)",
            }
            out["latency"]["rdflib-endpoint"] = sparql_latencies(srv, theme_sparql, cqs, cfg)
    except servers.ServerFailed as error:
        out["skipped"]["rdflib-endpoint"] = str(error)

    for variant in ("api-oxigraph", "api-remote", "api-rdflib"):
        if variant == "api-rdflib" and ds.quads > cfg.rdflib_api_max_quads:
            out["skipped"][variant] = (
                f"not started above {cfg.rdflib_api_max_quads:,} quads: the server and each "
                "of its 2 query workers parse the data with rdflib (see load rate)"
            )
            continue
        if state.get(f"{variant}_failed"):
            out["skipped"][variant] = f"not started: it failed at a smaller size ({state[f'{variant}_failed']})"
            continue
        say(f"  {variant}: start, then queries")
        try:
            with _api(ds, variant, cfg) as srv:
                out["latency"][variant] = api_latencies(srv, theme, theme_sparql, cqs, cfg)
                if variant == "api-oxigraph":
                    say(f"  concurrency: {cfg.clients} clients x {cfg.load_s:g} s on {variant}")
                    out["concurrency"] = concurrency(srv, theme, theme_sparql, cfg)
        except servers.ServerFailed as error:
            message = str(error).splitlines()[0]
            out["skipped"][variant] = message
            state[f"{variant}_failed"] = f"{ds.size}: {message}"

    say("  profile of the theme lookup (in-process)")
    out["profile"] = profile(ds, theme)
    return out


@contextmanager
def _api(ds: data.Dataset, variant: str, cfg: Config) -> Iterator[servers.Server]:
    """Our API on one back-end: embedded Oxigraph (persisted in a scratch folder), rdflib, or a remote Oxigraph
    server (started empty here; the API loads the data into it at start-up, as `QIKG_STORE=remote` does)."""
    backend = variant.removeprefix("api-")
    log = LOGS / f"{variant}-{ds.size}.log"
    with ExitStack() as stack:
        store_dir = data.scratch_dir("apistore-")
        stack.callback(shutil.rmtree, store_dir, ignore_errors=True)
        remote = None
        if backend == "remote":
            location = data.scratch_dir("oxremote-")
            stack.callback(shutil.rmtree, location, ignore_errors=True)
            remote = stack.enter_context(servers.oxigraph_server(location, LOGS / f"oxigraph-remote-{ds.size}.log"))
        timeout = cfg.api_start_s * (1 if backend == "rdflib" else 2)
        server = stack.enter_context(
            servers.api_server(ds.trig_dir, backend, log, store_dir=store_dir, remote=remote, start_timeout=timeout)
        )
        # its search index and networks build in the background after /health answers: queries timed meanwhile
        # would share the CPU with that build (the start-up time above is what a user waits for the first answer)
        servers.wait_quiet(server, timeout_s=timeout)
        yield server


def graph_view(out: Path, timeout: float = 1800.0) -> dict:
    """bench.graph_view in its own process (headless Chromium): seed, about 2,000 nodes and 10x."""
    target = out / "graph_view.json"
    done = _child(["bench.graph_view", "--runs", "3", "--out", str(target)], "the graph view benchmark", timeout)
    return done if isinstance(done, dict) else json.loads(target.read_text(encoding="utf-8"))


def seed_build(runs: int = 5) -> dict:
    """A fresh seed build into a temporary folder (the pipeline's own timings, writing included), then the seed build
    proper (parse, RDF, SHACL, reasoner) `runs` times in fresh processes (bench.seed_build): the target's median."""
    from bench.seed_build import one_run
    from kg.pipeline.run import build

    folder = Path(tempfile.mkdtemp(prefix="seed-build-", dir=data.WORK))
    try:
        started = time.perf_counter()
        result = build(folder / "build")
        wall = time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    timings = dict(result.timings)
    repeated = [one_run(ROOT)["seed_build_s"] for _ in range(runs)]
    return {
        "timings": timings,
        "parse_rdf_shacl_reasoner_s": round(statistics.median(repeated), 3),
        "runs_s": repeated,
        "wall_s": round(wall, 3),
        "quads": sum(result.triples.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        help="comma-separated: seed, 100k, 1m or a number of quads (default seed,100k,1m; with --quick seed,100k)",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter loops (a few minutes)")
    parser.add_argument("--theme", default="golden-thread", help="theme id for /api/resources?theme=")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for results.json and RESULTS.md")
    args = parser.parse_args(argv)
    cfg = Config.make(args.quick)
    sizes = [s.strip() for s in (args.sizes or ("seed,100k" if args.quick else "seed,100k,1m")).split(",") if s]
    for size in sizes:
        data.parse_size(size)
    command = (
        "make bench"
        if not (args.sizes or args.quick)
        else ".venv/bin/python -m bench.run "
        + " ".join(
            ([f"--sizes {','.join(sizes)}"] if args.sizes else [])
            + (["--quick"] if args.quick else [])
            + ([f"--theme {args.theme}"] if args.theme != "golden-thread" else [])
        )
    )
    started = time.perf_counter()
    results: dict = {"command": command, "machine": machine.info(), "config": asdict(cfg), "sizes": {}}
    args.out.mkdir(parents=True, exist_ok=True)
    print("seed build (fresh, into a temporary folder)", flush=True)
    results["seed_build"] = seed_build()
    state: dict = {}
    for size in sizes:
        print(f"size {size}: dataset", flush=True)
        ds = data.prepare(size)
        results["sizes"][size] = bench_size(ds, cfg, args.theme, state, say=lambda m: print(m, flush=True))
        results["elapsed_s"] = round(time.perf_counter() - started, 1)
        report.write(results, args.out)
    print("graph view in headless Chromium", flush=True)
    results["graph_view"] = graph_view(args.out)
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    report.write(results, args.out)
    print(f"wrote {args.out / 'results.json'} and {args.out / 'RESULTS.md'} in {results['elapsed_s']} s")
    print(f"reproduce with: {command}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
