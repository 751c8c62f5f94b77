"""`qikg`: build the graph, query it, check it, and serve it (typer + rich)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rdflib import Dataset, URIRef
from rich.console import Console
from rich.table import Table

from kg import iris

if TYPE_CHECKING:
    from kg.settings import Settings

app = typer.Typer(
    help="A knowledge graph of quality-improvement practice, built from #LeadingQI chat reports.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)

OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Directory for the build (default: $QIKG_DATA_DIR or <home>/build).")
]
DataOption = Annotated[
    Path | None,
    typer.Option("--data", "-d", help="A build directory from `qikg build` (default: $QIKG_DATA_DIR or <home>/build)."),
]
RegistryOption = Annotated[
    Path | None,
    typer.Option(
        "--registry",
        help="The chat registry (default: $QIKG_REGISTRY or <home>/registry.yaml; with none there yet: the packaged "
        "seed report).",
    ),
]
_settings: list[Settings] = []  # the Settings of this invocation (the --home of the callback applied)


def settings() -> Settings:
    """The one settings class (kg.settings.Settings: environment QIKG_*), with this invocation's --home; imported
    lazily, so `qikg --help` stays fast."""
    if not _settings:
        from kg.settings import Settings

        _settings.append(Settings())
    return _settings[0]


@app.callback()
def main(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="The data directory: registry, added chats, builds (default: $QIKG_HOME or ./qikg-data).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The data directory holds what is yours (chats, registry, builds); qikg never writes into its installation."""
    from kg.settings import Settings

    _settings[:] = [Settings(home=home) if home is not None else Settings()]


def _summary(counts: dict[str, int], title: str) -> Table:
    table = Table(title=title)
    table.add_column("class")
    table.add_column("nodes", justify="right")
    for name, n in counts.items():
        if name.startswith(("qi:", "foaf:Person")):
            table.add_row(name, str(n))
    return table


def _print_findings(target: Console, findings: list, title: str) -> None:
    """One finding a line, never wrapped, so node IRIs and rule names stay whole (and greppable)."""
    target.print(f"[bold]{title}[/]")
    for f in findings:
        colour = "red" if f.is_violation else "yellow"
        target.print(f"[{colour}]{f.severity}[/] ", end="")
        target.print(str(f).split(": ", 1)[1], soft_wrap=True, markup=False, highlight=False)


def _print_input_error(exc: Exception, title: str) -> None:
    """A bad input file: the title, then one `FILE:LINE: field: message` a line, never wrapped (greppable)."""
    err.print(f"[bold red]{title}[/] ", end="")
    err.print(str(exc), markup=False, highlight=False, soft_wrap=True)


def _is_input_error(exc: BaseException) -> bool:
    """A build stopped by a file it reads (a chat source, the registry, kg/data), not by what the graph says.

    `kg.pipeline.extract_all` turns a source's error into a BuildError: the original is its `__cause__`, or its
    `__context__` under `raise ... from None`."""
    from kg.sources.inputs import InputError

    return any(isinstance(e, InputError) for e in (exc, exc.__cause__, exc.__context__))


def _run_build(
    out: Path,
    reason: bool,
    registry: Path | None,
    registry_as: Path | None = None,
    *,
    incremental: bool = False,
) -> int:
    """Build into OUT and print the summary; the exit code: 0 built, 1 the graph fails its checks, 2 a bad input
    file (named with its line); the previous build is kept whenever the build stops."""
    from kg.pipeline.run import BuildError
    from kg.pipeline.run import build as run_build
    from kg.sources.inputs import InputError

    with console.status("building...") as status:
        try:
            result = run_build(
                out,
                progress=lambda msg: status.update(f"{msg}..."),
                reasoner=reason,
                registry=registry,
                registry_as=registry_as,
                home=settings().home,
                load_store=settings().store_backend == "oxigraph" and settings().store_dir is None,
                store_optimize=settings().store_optimize,
                incremental=incremental,
            )
        except InputError as exc:
            _print_input_error(exc, f"Build failed ({out} is as it was):")
            return 2
        except OSError as exc:  # a source the registry names went away (removed meanwhile, say)
            err.print(
                f"[bold red]Build failed ({out} is as it was):[/] cannot read {exc.filename or 'a source'}: "
                f"{exc.strerror or exc}",
                soft_wrap=True,
                highlight=False,
            )
            return 2
        except BuildError as exc:
            err.print(f"[bold red]Build failed:[/] {str(exc).splitlines()[0]}")
            for line in str(exc).splitlines()[1:] if not exc.findings else []:
                err.print(line, markup=False, highlight=False, soft_wrap=True)
            if exc.findings:
                _print_findings(err, exc.findings, "What to fix:")
            return 2 if _is_input_error(exc) else 1
    console.print(_summary(result.counts, f"Built {out} ({sum(result.triples.values())} triples)"))
    if result.warnings:
        table = Table(title=f"{len(result.warnings)} warning(s)")
        table.add_column("warning", overflow="fold")
        for w in result.warnings:
            table.add_row(w)
        console.print(table)
    for line in result.log:
        console.print(f"[dim]{line}[/]", highlight=False, soft_wrap=True)
    loaded = {} if result.load_store_s is None else {"load_store_s": result.load_store_s}
    timing = ", ".join(f"{k.removesuffix('_s')} {v:.2f}s" for k, v in {**result.timings, **loaded}.items())
    console.print(f"[dim]{timing}[/]")
    if result.indexes and "search" in result.indexes:
        console.print(f"[dim]search index: {result.indexes['search']}[/]", highlight=False, soft_wrap=True)
    if result.indexes and "networks_stored" in result.indexes:
        i = result.indexes
        console.print(
            f"[dim]networks: {i['networks_stored']} stored, {i['networks_reused']} of them kept from the previous "
            f"build (their chat's facts unchanged); networks {i['networks_s']:.2f}s[/]",
            highlight=False,
            soft_wrap=True,
        )
    return 0


@app.command()
def build(
    out: OutOption = None,
    reason: Annotated[bool, typer.Option(help="Run HermiT (consistency + inferred types).")] = True,
    registry: RegistryOption = None,
) -> None:
    """Extract, build, validate, reason and write the graph files into OUT (the previous build survives failure).

    Exit 1 when the graph fails its checks, 2 when an input file is bad (each problem as FILE:LINE: field: message).
    """
    from kg.pipeline.swap import folder_lock

    out, registry = out or settings().data_dir, registry or settings().registry
    # the registry's lock, as `qikg add` / `remove` take it: a build never reads a registry halfway through a change
    with folder_lock(Path(registry).absolute().parent):
        _recover(registry)
        code = _run_build(out, reason, registry)
    if code:
        raise typer.Exit(code)


def _built(codes: list[int], code: int) -> bool:
    """Keep a rebuild's exit code for the command's own exit, and tell the transaction whether it worked."""
    codes.append(code)
    return code == 0


def _recover(registry: Path | None) -> None:
    """Repair what a `qikg add` / `remove` killed halfway left behind, before reading the registry."""
    from kg.pipeline.transaction import recover

    done = recover(Path(registry or settings().registry))
    if done:
        err.print(f"[yellow]an interrupted add/remove was {done}[/]")


BuildFlag = Annotated[bool, typer.Option("--build/--no-build", help="Rebuild OUT afterwards.")]
ReasonFlag = Annotated[bool, typer.Option(help="Run HermiT in the rebuild.")]


@app.command()
def add(
    source: Annotated[Path, typer.Argument(help="A chat report (.txt) or a records file (.json/.yaml).")],
    registry: RegistryOption = None,
    out: OutOption = None,
    rebuild: BuildFlag = True,
    reason: ReasonFlag = True,
    replace: Annotated[bool, typer.Option(help="Replace a registered source of the same chat.")] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what the source would add (counts, new people, ...); change nothing."),
    ] = False,
) -> None:
    """Add another chat as its own named graph; adding the same source again changes nothing.

    One transaction (kg.pipeline.transaction): the new build is made from the next registry and swapped in before the
    registry changes, so even a kill -9 leaves the old registry and build or the new ones.
    """
    from kg import iris
    from kg.pipeline.inputs import is_stale
    from kg.pipeline.transaction import change
    from kg.sources.registry import Registry, SourceError

    out, registry = out or settings().data_dir, registry or settings().registry
    if dry_run:
        raise typer.Exit(_review(source, registry, replace))
    _recover(registry)
    try:
        reg = Registry.load(registry)  # with no registry file yet: the seed, saved here by this change
        plan = reg.plan_add(source, replace=replace)
    except SourceError as exc:
        _print_input_error(exc, "Not added:")
        raise typer.Exit(2) from None
    result = plan.result
    graph = iris.source_graph(result.entry.slug)
    for warning in result.records.warnings:
        err.print(f"[yellow]warning:[/] {warning}", soft_wrap=True, highlight=False)
    if result.status == "unchanged":
        console.print(f"{source} is already registered as chat {result.entry.chat} ({graph}): nothing changed")
        stale = is_stale(out, registry=reg.path, home=settings().home)
        code = _run_build(out, reason, reg.path) if rebuild and stale else 0
        if code:
            raise typer.Exit(code)
        return
    console.print(
        f"{result.status} chat {result.entry.chat} from {source} as graph {graph} "
        f"({len(result.records.quotes)} quotes, {len(result.records.questions)} questions, "
        f"{len(result.records.resources)} resources)"
    )
    codes: list[int] = []
    done = change(
        reg,
        plan.entries,
        out_dir=out,
        copy=lambda: reg.copy_in(plan),
        copied=plan.copy[1] if plan.copy else None,
        obsolete=[plan.obsolete] if plan.obsolete else [],
        build=(lambda staged: _built(codes, _run_build(out, reason, staged, reg.path, incremental=True)))
        if rebuild
        else None,
    )
    if not done:
        code = codes[-1] if codes else 1
        err.print(f"[red]{source} was not added: the registry is as it was[/]")
        raise typer.Exit(code)


def _review(source: Path, registry: Path | None, replace: bool) -> int:
    """Print what adding `source` would do; 0 when it would be added, 2 when it would be refused."""
    from kg.pipeline.review import review
    from kg.sources.registry import SourceError

    try:
        found = review(source, registry, replace=replace)
    except SourceError as exc:
        _print_input_error(exc, "Would not be added:")
        return 2
    console.print(f"dry run: {source} would be {found.status} as chat {found.chat} ({found.graph}); nothing changed")
    table = Table(title="records per kind")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for kind, n in found.counts.items():
        table.add_row(kind, str(n))
    console.print(table)
    sections = [
        ("new people (accounts no registered chat has)", found.new_people),
        (
            "new organisations' and teams' accounts (a person named beside one speaks for it)",
            found.new_organisation_accounts,
        ),
        ("new organisations", found.new_organisations),
        ("likely aliases of people already in the graph", found.likely_aliases),
        ("items no theme matched", found.untagged),
        ("warnings", found.warnings),
        ("problems (the build would refuse these)", found.problems),
    ]
    for title, items in sections:
        console.print(f"[bold]{title}[/]: {len(items)}", highlight=False)
        for item in items:
            console.print(f"  - {item}", markup=False, highlight=False, soft_wrap=True)
    return 2 if found.problems else 0


@app.command()
def remove(
    chat: Annotated[str, typer.Argument(help="The chat: its source slug, its date slug or its file name.")],
    registry: RegistryOption = None,
    out: OutOption = None,
    rebuild: BuildFlag = True,
    reason: ReasonFlag = True,
) -> None:
    """Remove exactly one chat's graph (nodes other chats also state stay, with those chats' triples).

    One transaction, as `qikg add`: the build without the chat is swapped in before the registry changes.
    """
    from kg import iris
    from kg.pipeline.transaction import change
    from kg.sources.curation import curation_path
    from kg.sources.registry import Registry, SourceError

    out, registry = out or settings().data_dir, registry or settings().registry
    _recover(registry)
    try:
        reg = Registry.load(registry)
        entry, entries = reg.plan_remove(chat)
    except SourceError as exc:
        err.print(str(exc), style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"removed chat {entry.chat} (graph {iris.source_graph(entry.slug)})")
    codes: list[int] = []
    done = change(
        reg,
        entries,
        out_dir=out,
        obsolete=[reg.resolve(entry), curation_path(reg.resolve(entry))] if entry.copied else [],
        build=(lambda staged: _built(codes, _run_build(out, reason, staged, reg.path, incremental=True)))
        if rebuild
        else None,
    )
    if not done:
        code = codes[-1] if codes else 1
        err.print("[red]the chat was not removed: the registry is as it was[/]")
        raise typer.Exit(code)


@app.command()
def chats(registry: RegistryOption = None) -> None:
    """The chats the build reads, one named graph each."""
    from kg import iris
    from kg.sources.registry import Registry, SourceError

    registry = registry or settings().registry
    _recover(registry)
    try:
        reg = Registry.load(registry)
    except SourceError as exc:
        _print_input_error(exc, "Cannot read the registry:")
        raise typer.Exit(2) from None
    table = Table(title=f"{len(reg.entries)} chat(s) in {reg.path}")
    for column in ("chat", "source", "format", "graph", "file"):
        table.add_column(column, overflow="fold")
    for e in reg.entries:
        table.add_row(e.chat, e.slug, e.format, str(iris.source_graph(e.slug)), e.path)
    console.print(table)


def _read_query(query: str) -> str:
    path = Path(query)
    if query.endswith(".rq") or (len(query) < 4096 and "\n" not in query and path.is_file()):
        if not path.is_file():
            err.print(f"[red]no such query file: {query}[/]")
            raise typer.Exit(2)
        from kg.sources.inputs import InputError, read_text

        try:
            return read_text(path)[1]
        except InputError as exc:
            _print_input_error(exc, "Not a query file:")
            raise typer.Exit(2) from None
    return query


def _short(ds: Dataset, term) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        try:
            return ds.namespace_manager.curie(term, generate=False)
        except (ValueError, KeyError):
            return str(term)
    return str(term)


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query, or a .rq file.")],
    format: Annotated[str, typer.Option("--format", "-f", help="table | csv | tsv | json | xml")] = "table",
    data: DataOption = None,
    timeout: Annotated[float, typer.Option(help="seconds the query may run")] = 60.0,
) -> None:
    """Run a read-only SPARQL query over the built graph (all named graphs as the default graph).

    The query goes through what /sparql uses: the same policy (no SERVICE, LOAD or outside FROM), a worker process
    with no network, the same result formats; known prefixes (qi:, qid:, skos:, ...) need no PREFIX line."""
    from kg.sparql import formats as fmt
    from kg.sparql.policy import MalformedQuery, PolicyError
    from kg.sparql.sandbox import QuerySandbox
    from kg.store import QueryResult, StoreError

    media = {"csv": fmt.CSV, "tsv": fmt.TSV, "json": fmt.JSON, "xml": fmt.XML}.get(format)
    if format != "table" and media is None:
        err.print(f"[red]unknown format {format!r}: use table, csv, tsv, json or xml[/]")
        raise typer.Exit(2)
    text = _read_query(sparql)
    data = data or settings().data_dir
    trig = data / "qikg.trig"
    if not trig.is_file():
        err.print(f"[red]no build in {data}: run `qikg build --out {data}` first[/]")
        raise typer.Exit(2)
    spec = _query_spec(data)
    # relative IRIs resolve as on /sparql (the endpoint's IRI under the data's base), and the known prefixes need no
    # PREFIX line (one of the query's own wins): both go to the engine beside the text, never into it, so the text
    # the policy judges and the engine runs is the user's, and a syntax error's line and column are the user's own
    sandbox = QuerySandbox(
        lambda: spec,
        workers=1,
        limits=settings().worker_limits(),
        base_iri=settings().sparql_base,
        prefixes=iris.PREFIXES,
    )
    try:
        checked, result = sandbox.run(text, timeout=timeout, row_limit=10**9, allowed_graphs=_graphs_of(data))
    except (MalformedQuery, PolicyError, StoreError) as exc:
        err.print(f"query refused or failed: {exc}", style="red", markup=False, highlight=False)
        raise typer.Exit(2) from None
    finally:
        sandbox.close()
    assert isinstance(result, QueryResult)  # answers come encoded only when the caller names formats (`wanted`)
    if result.kind == "ASK":
        console.print("true" if result.boolean else "false")
        return
    if result.kind in ("CONSTRUCT", "DESCRIBE"):
        sys.stdout.write(result.graph().serialize(format="turtle"))
        return
    if media is not None:
        sys.stdout.write(fmt.serialize_rows(result, media).decode("utf-8"))
        return
    shorten = Dataset()
    for prefix, ns in iris.PREFIXES.items():
        shorten.bind(prefix, ns)
    table = Table(*result.variables)
    for row in result.rows:
        table.add_row(*[_short(shorten, row.get(v)) for v in result.variables])
    console.print(table)
    console.print(f"{len(result.rows)} row(s)")


def _query_spec(data: Path):
    """The persisted store of `data` when it holds this very build, else the TriG loaded into memory by the worker."""
    import json

    from kg.pipeline.manifest import build_key
    from kg.store import OxigraphStore, StoreSpec

    store_dir = data / "store"
    try:
        meta = json.loads((store_dir / OxigraphStore.POINTER).read_text())
        if meta.get("key") == build_key(data) and (store_dir / meta["generation"]).is_dir():
            return StoreSpec("oxigraph", str(store_dir / meta["generation"]), str(data / "qikg.trig"))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return StoreSpec("oxigraph-memory", None, str(data / "qikg.trig"))


def _graphs_of(data: Path) -> list[str]:
    """The named graphs of the build (a query may name them in FROM / FROM NAMED), as its manifest lists them."""
    import json

    try:
        return sorted(json.loads((data / "manifest.json").read_text(encoding="utf-8"))["triples"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


@app.command()
def validate(reason: Annotated[bool, typer.Option(help="Also run HermiT.")] = True) -> None:
    """Build in memory and run SHACL, the quality checks and the reasoner; exit 1 on any violation."""
    from kg.checks.validate import validate_dataset
    from kg.pipeline.inputs import default_sources
    from kg.pipeline.run import BuildError, extract_all
    from kg.rdf.assemble import assemble
    from kg.sources.inputs import InputError

    warnings: list[str] = []
    with console.status("checking..."):
        try:
            ds = assemble(extract_all(default_sources(settings().registry)), warnings)
        except (InputError, BuildError) as exc:
            if not isinstance(exc, InputError) and not _is_input_error(exc):
                raise
            _print_input_error(exc, "Cannot check:")
            raise typer.Exit(2) from None
        findings = validate_dataset(ds)
        if reason:
            from kg.checks.reason import reason as run_reasoner

            result = run_reasoner(ds)
            findings += result.findings
    violations = [f for f in findings if f.is_violation]
    if findings:
        _print_findings(console, sorted(findings), f"{len(findings)} finding(s), {len(violations)} violation(s)")
    else:
        console.print("[green]No findings: SHACL, quality checks" + (" and HermiT" if reason else "") + " pass.[/]")
    if violations:
        raise typer.Exit(1)


@app.command()
def stats(data: DataOption = None) -> None:
    """Counts of the last build: nodes per class and triples per named graph."""
    import json

    data = data or settings().data_dir
    manifest = data / "manifest.json"
    if not manifest.is_file():
        err.print(f"[red]no build in {data}: run `qikg build --out {data}` first[/]")
        raise typer.Exit(2)
    info = json.loads(manifest.read_text(encoding="utf-8"))
    console.print(_summary(info["counts"], f"Nodes per class in {data}"))
    table = Table(title="Triples per named graph")
    table.add_column("graph")
    table.add_column("triples", justify="right")
    for graph, n in info["triples"].items():
        table.add_row(graph, str(n))
    console.print(table)
    console.print(f"{len(info.get('warnings', []))} warning(s); see {manifest}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default: $QIKG_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: $QIKG_PORT or 8000).")] = None,
    data: DataOption = None,
) -> None:
    """Serve the API and the graph view (rebuilds first when the inputs changed)."""
    from kg.pipeline.inputs import is_stale
    from kg.pipeline.manifest import built_registry
    from kg.pipeline.swap import clean_leftovers

    chosen = settings()
    host, port, data = host or chosen.host, port or chosen.port, data or chosen.data_dir
    registry = built_registry(data, chosen.home) or chosen.registry  # the registry the build was made from
    _recover(registry)
    clean_leftovers(data)
    if is_stale(data, registry=registry, home=chosen.home):
        console.print(f"[yellow]{data} is missing or out of date: building first[/]")
        build(out=data, reason=True, registry=registry)
    # the app reads its settings from the environment (kg.settings.Settings): hand it this command's choices
    os.environ.update(
        QIKG_HOME=str(Path(chosen.home).resolve()),
        QIKG_DATA_DIR=str(Path(data).resolve()),
        QIKG_HOST=host,
        QIKG_PORT=str(port),
    )
    shown = f"[{host}]" if ":" in host else host
    console.print(
        f"[bold green]qikg is serving on http://{shown}:{port}/[/]  (SPARQL: /sparql, graph view: /graph, "
        "API docs: /docs; Ctrl+C stops)"
    )
    run_server(host, port)


def run_server(host: str, port: int) -> None:
    """uvicorn on the app, with the X-Forwarded-* headers believed only from the configured proxies
    (QIKG_FORWARDED_ALLOW_IPS, `Settings.trusted_proxies`), never by uvicorn's default (127.0.0.1)."""
    import uvicorn

    trusted = settings().trusted_proxies()
    uvicorn.run("api.main:app", host=host, port=port, proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None)


if __name__ == "__main__":
    app()
