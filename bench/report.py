"""Targets and the markdown table of a benchmark run (bench/results/RESULTS.md).

.venv/bin/python -m bench.report [DIR]    (redraw DIR/RESULTS.md and the targets from DIR/results.json)
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def _largest(results: dict) -> tuple[str | None, dict]:
    sizes = results.get("sizes", {})
    if not sizes:
        return None, {}
    name = max(sizes, key=lambda s: sizes[s]["dataset"]["quads"])
    return name, sizes[name]


def _get(d: dict, *keys):
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _api_theme(size: dict) -> tuple[str | None, float | None]:
    """Our API's theme lookup median on its default store (embedded Oxigraph)."""
    for variant in ("api-oxigraph",):
        value = _get(size, "latency", variant, "theme_api", "median_ms")
        if value is not None:
            return variant, value
    return None, None


def _rdflib_timeout(results: dict, size: dict) -> float | None:
    """The time limit rdflib-endpoint's theme query ran into, when it never answered (else None)."""
    theme = _get(size, "latency", "rdflib-endpoint", "theme_sparql") or {}
    if theme.get("n") or not str(theme.get("detail", "")).startswith("ReadTimeout"):
        return None
    limit = _get(size, "latency", "rdflib-endpoint", "theme_timeout_s")
    if limit is None and _get(results, "config", "request_timeout") is not None:
        limit = results["config"]["request_timeout"] * 5  # results written before theme_timeout_s was kept
    return limit


def targets(results: dict) -> list[dict]:
    name, size = _largest(results)
    rows: list[dict] = []

    def row(target: str, measured, met, note: str = "") -> None:
        rows.append({"target": target, "measured": measured, "met": met, "note": note})

    variant, api_ms = _api_theme(size)
    as_is = _get(size, "latency", "api-oxigraph", "theme_api", "median_ms")
    note = f"at {name}; {variant}" + (
        "" if variant == "api-oxigraph" else f" (the API as is did not run: {_get(size, 'skipped', 'api-oxigraph')})"
    )
    row(
        "theme lookup median <= 10 ms",
        None if api_ms is None else f"{api_ms} ms",
        None if api_ms is None else api_ms <= 10 and as_is is not None,
        note,
    )
    rdf = _get(size, "latency", "rdflib-endpoint", "theme_sparql", "median_ms")
    oxs = _get(size, "latency", "oxigraph-server", "theme_sparql", "median_ms")
    rdf_timeout = _rdflib_timeout(results, size)
    if api_ms and rdf:
        row(
            ">= 10x faster than rdflib-endpoint",
            f"{rdf / api_ms:.1f}x ({rdf} vs {api_ms} ms)",
            rdf / api_ms >= 10 and as_is is not None,
            note,
        )
    elif api_ms and rdf_timeout:
        row(
            ">= 10x faster than rdflib-endpoint",
            f"> {rdf_timeout * 1000 / api_ms:,.0f}x (no answer within {rdf_timeout:g} s, vs {api_ms} ms)",
            as_is is not None,
            note + "; a lower bound: rdflib never answered",
        )
    else:
        row(">= 10x faster than rdflib-endpoint", None, None, note)
    if api_ms and oxs:
        row(
            "within 1.5x of Oxigraph server /query",
            f"{api_ms / oxs:.2g}x ({api_ms} vs {oxs} ms)",
            api_ms / oxs <= 1.5 and as_is is not None,
            note,
        )
    else:
        row("within 1.5x of Oxigraph server /query", None, None, note)
    load = _get(size, "load", "oxigraph")
    if load and load.get("quads_per_s"):
        native = _get(size, "load", "oxigraph-cli", "quads_per_s")
        row(
            "load >= 300k quads/s (embedded Oxigraph, persisted)",
            f"{load['quads_per_s']:,}/s",
            load["quads_per_s"] >= 300_000,
            f"at {name}"
            + (f"; Oxigraph's own `oxigraph load` on the same file: {native:,}/s" if native else "")
            + (
                f"; ours includes the merged default graph and {compacting} s of compaction (optimize)"
                if (compacting := _get(load, "phases", "optimize_s"))
                else ""
            ),
        )
        row(
            "<= 500 bytes/quad resident (embedded Oxigraph, persisted)",
            f"{load['bytes_per_quad']} B",
            load["bytes_per_quad"] <= 500,
            f"at {name}; in memory: {_get(size, 'load', 'oxigraph-memory', 'bytes_per_quad')} B",
        )
    seed = results.get("seed_build", {})
    if seed:
        runs = seed.get("runs_s")
        row(
            "seed build (parse, RDF, SHACL, reasoner) <= 5 s",
            f"{seed['parse_rdf_shacl_reasoner_s']} s",
            seed["parse_rdf_shacl_reasoner_s"] <= 5,
            (f"median of {len(runs)} fresh processes ({', '.join(f'{r:g}' for r in runs)} s); " if runs else "")
            + f"whole build with writing: {seed['timings'].get('total_s')} s",
        )
    return rows


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def _mb(value) -> str:
    return "–" if not value else f"{value / 1e6:,.0f} MB"


def _cq_summary(cq: dict) -> tuple[str, str, str]:
    rows = {k: v for k, v in (cq or {}).items() if not k.startswith("_")}
    medians = [v["median_ms"] for v in rows.values() if v.get("median_ms") is not None]
    errors = sum(v.get("errors", 0) for v in rows.values())
    if not medians:
        return "–", "–", f"{errors} errors"
    geo = statistics.geometric_mean([max(m, 0.01) for m in medians])
    return f"{geo:,.1f}", f"{max(medians):,.1f}", f"{len(medians)}/{len(rows)} ok, {errors} errors"


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# qikg benchmark results",
        "",
        f"Reproduce: `{results['command']}` (whole run {results.get('elapsed_s', '?')} s). "
        "Everything on 127.0.0.1; quads = triples counted per named graph.",
        "",
        "| machine | |",
        "|---|---|",
        f"| CPU | {m['cpu']} |",
        f"| cores | {m['cores_logical']} logical / {m['cores_physical']} physical |",
        f"| RAM | {m['ram_bytes'] / 2**30:.1f} GiB |",
        f"| OS | {m['os']} |",
        f"| Python | {m['python']} |",
        "| libraries | " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + " |",
        f"| date | {m['date']} |",
        f"| git commit | {m['git_commit']}{' (dirty tree)' if m['git_dirty'] else ''} |",
        "",
        "## Targets",
        "",
        "| target | measured | met? | note |",
        "|---|---|---|---|",
    ]
    for t in results.get("targets", []):
        met = "–" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {_fmt(t['measured'])} | {met} | {t['note']} |")
    seed = results.get("seed_build")
    if seed:
        lines += ["", "## Seed build (fresh `kg.pipeline.build`)", "", "| step | seconds |", "|---|---|"]
        lines += [f"| {k.removesuffix('_s')} | {v} |" for k, v in seed["timings"].items()]
    for name, size in results.get("sizes", {}).items():
        ds = size["dataset"]
        lines += [
            "",
            f"## {name}: {ds['quads']:,} quads ({ds['chats']} synthetic chats + the seed)",
            "",
            f"Data generation: {ds['generate_s']} s{' (cached from an earlier run)' if ds['cached'] else ''}; "
            f"N-Quads file {ds['bytes'] / 1e6:,.0f} MB.",
            "",
            "| load | quads/s | seconds | resident bytes/quad | RSS after | note |",
            "|---|---|---|---|---|---|",
        ]
        for backend, load in size.get("load", {}).items():
            if "error" in load:
                lines.append(f"| {backend} | – | – | – | – | {load['error']} |")
                continue
            note = load.get("via", "")
            if load.get("disk_bytes_per_quad"):
                note = f"on disk {load['disk_bytes_per_quad']} B/quad"
            lines.append(
                f"| {backend} | {_fmt(load.get('quads_per_s'))} | {_fmt(load.get('seconds'))} | "
                f"{_fmt(load.get('bytes_per_quad'))} | {_mb(load.get('rss_after'))} | {note} |"
            )
        lines += [
            "",
            "| server | /api/resources?theme= median / p99 ms (n) | theme SPARQL median / p99 ms (n, rows) "
            "| CQs geo-mean / max median ms | CQs | start s | RSS |",
            "|---|---|---|---|---|---|---|",
        ]
        for server, lat in size.get("latency", {}).items():
            api = lat.get("theme_api")
            api_cell = "–" if not api else f"{_fmt(api['median_ms'])} / {_fmt(api['p99_ms'])} ({api['n']})"
            sp = lat.get("theme_sparql", {})
            sp_cell = (
                f"{_fmt(sp.get('median_ms'))} / {_fmt(sp.get('p99_ms'))} ({sp.get('n')}, "
                f"{lat.get('theme_sparql_rows')} rows)"
            )
            if sp.get("errors"):
                sp_cell += f", {sp['errors']} errors"
            geo, worst, ok = _cq_summary(lat.get("cq"))
            lines.append(
                f"| {server} | {api_cell} | {sp_cell} | {geo} / {worst} | {ok} | {lat.get('start_s')} | "
                f"{_mb(lat.get('server_rss_bytes'))} |"
            )
        for server, why in size.get("skipped", {}).items():
            lines.append(f"| {server} | not measured: {why} | | | | | |")
        conc = size.get("concurrency")
        if conc:
            lines += [
                "",
                f"Concurrent load on {conc['server']}:",
                "",
                "| endpoint | clients | seconds | requests/s | median ms | p99 ms | errors |",
                "|---|---|---|---|---|---|---|",
            ]
            for label, key in (
                ("/api/resources?theme=", "api_resources_theme"),
                ("/sparql (theme query)", "sparql_theme_query"),
            ):
                c = conc[key]
                lines.append(
                    f"| {label} | {c['clients']} | {c['seconds']} | {_fmt(c['requests_per_s'])} | "
                    f"{_fmt(c['median_ms'])} | {_fmt(c['p99_ms'])} | {c['errors']} {c['error_kinds'] or ''} |"
                )
        prof = size.get("profile")
        if prof and "error" not in prof:
            lines += [
                "",
                "Theme lookup, in-process (embedded Oxigraph, medians): the catalogue's theme index answers "
                f"in {prof['index_lookup_ms']} ms and JSON of one page takes {prof['json_page_ms']} ms "
                f"({prof['items']} resources); the catalogue (with the index) builds in {prof['catalogue_s']} s "
                "at start-up. The same answer in SPARQL (resources_by_theme.rq), what a request cost before "
                f"the index: evaluation {prof['sparql_eval_ms']} ms, conversion to rdflib terms "
                f"{prof['term_conversion_ms']} ms ({prof['rows']} rows).",
            ]
        elif prof:
            lines += ["", f"Theme lookup profile: {prof['error']}"]
    view = results.get("graph_view")
    if view and "error" not in view:
        lines += [
            "",
            "## Graph view: time to a stable layout in headless Chromium (median of runs)",
            "",
            "| graph | nodes (full view) | edges | overview / full ms | page | server render s |",
            "|---|---|---|---|---|---|",
        ]
        for point in [view["seed"], *view["scaled"]]:
            browser = point["browser"]
            lines.append(
                f"| {point['graph']} | {point['nodes_full']:,} | {point['edges_full']:,} | "
                f"{_fmt(browser['overview']['ms_to_stable_view_median'])} / "
                f"{_fmt(browser['full']['ms_to_stable_view_median'])} | {_mb(point['page_bytes'])} | "
                f"{point['server_render_s']} |"
            )
    elif view:
        lines += ["", f"Graph view: {view['error']}"]
    largest = max(results.get("sizes", {}).items(), key=lambda kv: kv[1]["dataset"]["quads"], default=None)
    if largest:
        name, size = largest
        servers_ = list(size.get("latency", {}))
        lines += [
            "",
            f"## Competency queries at {name}: median ms per server",
            "",
            "| query | " + " | ".join(servers_) + " |",
            "|---|" + "---|" * len(servers_),
        ]
        names = sorted({q for s in servers_ for q in size["latency"][s].get("cq", {}) if not q.startswith("_")})
        for q in names:
            cells = []
            for s in servers_:
                r = size["latency"][s].get("cq", {}).get(q)
                cells.append(
                    "–"
                    if not r
                    else (
                        _fmt(r["median_ms"])
                        if r.get("median_ms") is not None
                        else f"error ({r.get('status') or r.get('detail', '')[:40]})"
                    )
                )
            lines.append(f"| {q} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Servers: **api-oxigraph** is our API as shipped (uvicorn, embedded Oxigraph, `/sparql` runs in "
        "killable worker processes; the default graph is the merge of the named graphs, a set); "
        "**api-remote** is our API with an Oxigraph server as its remote SPARQL store (it loads the data there "
        "itself at start-up, Graph Store Protocol); **api-rdflib** is our API on rdflib; "
        "**rdflib-endpoint** (rdflib's memory store, default graph = union) and **oxigraph-server** (its "
        "default graph made the merge of the named graphs, as ours) serve the same data and run the same SPARQL "
        "with the theme written into the text, since they take no bindings. `/api/resources?theme=` answers "
        "from the catalogue's in-memory theme index (read from the store at start-up); the theme SPARQL is "
        "what it would cost to ask the store per request.",
        "",
    ]
    return "\n".join(lines)


def _ms(x: float | None) -> str:
    return "–" if x is None else f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "–"


def _api_rows(r: dict) -> list[str]:
    """Issue 17's table at this size: each row ours beside the engine (one run, side by side), memory and disk."""
    api, ds, load = r["api"], r["dataset"], r["load"]
    quads = ds["quads"]
    mb = lambda b: f"{b / 2**20:,.0f} MiB" if b else "–"  # noqa: E731
    gb = lambda b: f"{b / 1e9:.2f} GB ({b / quads:.0f} B/quad)" if b else "–"  # noqa: E731
    lines = [
        f"Issue 17's rows at {quads:,} quads, from one run (`{r.get('command', '?')}`); ratios are ours / the engine "
        "(CPU time of each server's processes, workers included, is the figure that counts on this shared machine). "
        "Memory is resident (RSS); disk is the store's folder.",
        "",
        "| at this size | ours | the engine / reference | ratio | memory | disk |",
        "|---|---|---|---|---|---|",
    ]
    emb = api.get("startup_embedded", {}).get("stored indexes")
    e = api.get("embedded", {})
    if emb:
        runs = ", ".join(f"{t:.1f}" for t in emb["runs"]) + (
            f" s; the one kept running {e['start_s']:.1f}" if "start_s" in e else ""
        )
        lines.append(
            f"| API start-up, embedded store (the build's stored indexes; runs: {runs} s) | {emb['median_s']:.1f} s "
            f"| – (target at 1 M: ≤ 3 s) | – | {emb['rss_mb']:,} MiB | {gb(load['oxigraph'].get('disk_bytes'))} |"
        )
    rem = api.get("startup_remote", {}).get("stored indexes")
    remote = api.get("remote", {})
    if rem:
        runs = ", ".join(f"{t:.1f}" for t in rem["runs"])
        lines.append(
            f"| API start-up, remote store (Oxigraph server; runs: {runs} s) | {rem['median_s']:.1f} s "
            f"| – (target at 1 M: ≤ 10 s) | – | API {rem['rss_mb']:,} MiB, server {mb(remote.get('server_rss'))} "
            f"| {gb(remote.get('server_disk_bytes'))} |"
        )
    for where, x in (("embedded", e), ("remote", remote)):
        res = x.get("resources_theme")
        if res and res.get("median_ms") is not None:
            lines.append(
                f"| `/api/resources?theme=` median, {where} ({res['n']} requests, {res.get('total')} resources) "
                f"| {res['median_ms']:.2f} ms | – (answered from the in-memory index) | – | | |"
            )
    s = e.get("summary")
    if s:
        rss, disk = e.get("rss", {}), e.get("store_disk_bytes")
        mem = f"ours {mb(rss.get('ours'))}, engine {mb(rss.get('engine'))}"
        n_cq = len([k for k in e["http"] if k != "theme"])
        lines += [
            f"| `/sparql` theme query, CPU ms | {_ms(s['theme_ours_cpu_ms'])} | Oxigraph server "
            f"{_ms(s['theme_engine_cpu_ms'])} | {s['theme_cpu_ratio']:.2f}x | {mem} | {gb(disk)} (the same files) |",
            f"| `/sparql` theme query, wall ms | {_ms(s['theme_ours_ms'])} | {_ms(s['theme_engine_ms'])} "
            f"| {s['theme_ratio']:.2f}x | | |",
            f"| `/sparql` {n_cq} competency queries, geometric mean, CPU ms | {_ms(s['cq_geo_ours_cpu_ms'])} "
            f"| {_ms(s['cq_geo_engine_cpu_ms'])} | {s['cq_geo_cpu_ratio']:.2f}x | | |",
            f"| `/sparql` {n_cq} competency queries, geometric mean, wall ms | {_ms(s['cq_geo_ours_ms'])} "
            f"| {_ms(s['cq_geo_engine_ms'])} | {s['cq_geo_ratio']:.2f}x | | |",
        ]
    ours, native = load.get("oxigraph", {}), load.get("oxigraph-cli", {})
    if ours.get("seconds"):
        ref = (
            f"`oxigraph load` {native['quads_per_s']:,}/s "
            f"({native['load_s']:.0f} s; + optimize {native['seconds']:.0f} s)"
            if native.get("seconds")
            else "– (not run)"
        )
        ratio = f"{r['load_ratio']:.2f}x (CPU {r.get('cpu_ratio', 0):.2f}x with optimize)" if "load_ratio" in r else "–"
        peak = f"peak {mb(ours['rss_peak'])}" + (f", engine {mb(native['rss_peak'])}" if native.get("rss_peak") else "")
        lines.append(
            "| load, embedded on disk (merge + compaction), quads/s "
            f"| {ours['quads_per_s']:,} ({ours['seconds']:.0f} s) "
            f"| {ref} | {ratio} | {peak} | ours {gb(ours.get('disk_bytes'))}"
            + (f", engine {gb(native['disk_bytes'])}" if native.get("disk_bytes") else "")
            + " |"
        )
    step = api.get("build_step")
    if step:
        lines.append(
            f"| the build's step storing the API's indexes (read the catalogue {step['read_s']:.0f} s, write) "
            f"| {step.get('wall_s', step.get('total_s', 0)):.0f} s | – | – | | "
            f"{api['indexes_disk_bytes'] / 1e6:,.0f} MB ({api['indexes_disk_bytes_per_quad']:.0f} B/quad) |"
        )
    if "quiet_after_start_s" in e:
        late = " (still busy when the wait ended)" if e.get("quiet_timed_out") else ""
        lines.append(
            f"| the API's background work after start-up (search index, networks), until quiet{late} "
            f"| {e['quiet_after_start_s']:.0f} s after uvicorn started, {e['cpu_s_until_quiet']:.0f} s of CPU "
            f"| – | – | {mb(e.get('rss_quiet'))} after | |"
        )
    rl = api.get("remote_load")
    if rl:
        lines.append(
            f"| the remote server's folder written by `oxigraph load` (data, merged graph, load record; not timed "
            f"against anything) | {rl['seconds']:.0f} s (+{rl['dump_s']:.0f} s dump) | – | – | peak "
            f"{mb(rl['rss_peak'])} | {gb(rl['disk_bytes'])} |"
        )
    return [*lines, ""]


def scale_markdown(folder: Path) -> str:
    """A section per `python -m bench.scale` run kept in `folder/load/scale_*.json` (sizes past what the whole run
    finishes): our load beside the engine's loader (on the file, and on the same content if measured), memory, disk,
    and the queries; empty when there is none."""
    lines: list[str] = []
    for path in sorted((folder / "load").glob("scale_*.json")):
        r = json.loads(path.read_text(encoding="utf-8"))
        ds, load = r["dataset"], r["load"]
        ours = load.get("oxigraph", {})
        if "seconds" not in ours:
            continue
        command = r.get("command", f"python -m bench.scale {ds['size']} --same-content")
        end_load = r.get("load_avg_end", r.get("load_avg_last", [0.0]))[0]
        generated = f"{ds['generate_s']} s" if ds.get("generate_s") else "not timed here (a folder given with --data)"
        lines += [
            f"## {ds['size']}: {ds['quads']:,} quads ({ds['chats']:,} synthetic chats + the seed), `bench.scale`"
            + (" with the API" if "api" in r else ""),
            "",
            *(_api_rows(r) if "api" in r else []),
            f"Not the whole run: `{command}` ({path.relative_to(folder)}, "
            f"commit {r['machine'].get('git_commit', '?')[:7]}, {r['machine'].get('date', '?')}, load average "
            f"{r['load_avg_start'][0]:.1f} at the start, {end_load:.1f} at the end). Data generation: "
            f"{generated}; N-Quads file {ds['bytes'] / 1e9:.2f} GB. Ratios are rate ours / rate engine "
            "(wall) and CPU ours / CPU engine; details in ENGINE.md.",
            "",
            "| load | wall s | quads/s | CPU s | peak RSS | disk | stored quads |",
            "|---|---|---|---|---|---|---|",
        ]
        names = {
            "oxigraph": "ours (named graphs + merged default graph, optimize)",
            "oxigraph-cli": "`oxigraph load` + `oxigraph optimize` (named graphs only)",
            "oxigraph-cli/content": "`oxigraph load` + `oxigraph optimize` of the same content",
        }
        for key, label in names.items():
            x = load.get(key)
            if not x or "seconds" not in x:
                continue
            wall = f"{x['seconds']:.1f}" + (f" (load {x['load_s']:.1f})" if "load_s" in x else "")
            lines.append(
                f"| {label} | {wall} | {x['quads_per_s']:,} | {x['cpu_s']:.1f} | {x['rss_peak'] / 1e6:,.0f} MB "
                f"| {x['disk_bytes'] / 1e9:.2f} GB ({x['disk_bytes'] / ds['quads']:.0f} B/quad) "
                f"| {x.get('stored_quads', x['quads']):,} |"
            )
        ratios = [
            ("`oxigraph load` of the file", "load_ratio", None),
            ("`oxigraph load` + optimize of the file", "load_ratio_with_optimize", "cpu_ratio"),
            ("the engine on the same content, with optimize", "load_ratio_same_content", "cpu_ratio_same_content"),
        ]
        lines += ["", "| ours against | rate (wall) | CPU |", "|---|---|---|"]
        for label, rate, cpu in ratios:
            if rate in r:
                lines.append(f"| {label} | {r[rate]:.2f}x | {f'{r[cpu]:.2f}x' if cpu and cpu in r else '–'} |")
        if ours.get("rss_after"):
            lines += ["", f"Ours resident after the load, store open: {ours['rss_after'] / 1e6:,.0f} MB."]
        if r.get("queries"):
            lines += [
                "",
                "| query (in-process; the worker writes SPARQL JSON) | rows | engine ms | sandbox worker ms |",
                "|---|---|---|---|",
            ]
            for name, q in r["queries"].items():
                lines.append(f"| {name} | {q['rows']:,} | {q['engine_ms']:,} | {q['worker_ms']:,} |")
        lines.append("")
    return "\n".join(lines)


def write(results: dict, out: Path) -> None:
    """results.json (with the targets worked out again) and RESULTS.md in `out` (with the `bench.scale` runs kept
    in `out/load/`)."""
    results["targets"] = targets(results)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    scale = scale_markdown(out)
    (out / "RESULTS.md").write_text(markdown(results) + ("\n" + scale if scale else ""), encoding="utf-8")


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results"
    write(json.loads((folder / "results.json").read_text(encoding="utf-8")), folder)
    print(f"wrote {folder / 'RESULTS.md'}")
