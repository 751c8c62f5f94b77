"""Start and stop a local Virtuoso (Debian's `virtuoso-opensource`, `virtuoso-t`), for the remote-store tests.

Each server gets its own folder: a copy of the packaged `virtuoso.ini` with the database, log and temp files moved
into it, the SQL port and the HTTP port on free loopback ports, and the settings qikg's recipe asks for
(docs/stores.md): `ResultSetMaxRows` (the server's row cap; 10,000 in the packaged ini) and the SPARQL account's
update grant (`GRANT SPARQL_UPDATE TO "SPARQL"`) so loads through `/sparql` or `/sparql-graph-crud` work without
credentials, or without it so that loads need Digest auth through `/sparql-auth` / `/sparql-graph-crud-auth`.
The server runs until `stop_virtuoso`; callers stop it in a `finally`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kg.store.base import RemoteSettings
from kg.store.oxigraph_server import free_port

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
TEMPLATE_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
DBA_PASSWORD = "dba"  # a new database's dba password; the server only listens on loopback


def virtuoso_installed() -> bool:
    return bool(shutil.which(VIRTUOSO) and shutil.which(ISQL) and TEMPLATE_INI.exists())


def configure(template: str, folder: Path, sql_port: int, http_port: int, max_rows: int) -> str:
    """The packaged ini with every file inside `folder`, the ports on loopback and the row cap set."""
    wanted: dict[str, dict[str, object]] = {
        "Database": {
            "DatabaseFile": folder / "virtuoso.db",
            "ErrorLogFile": folder / "virtuoso.log",
            "LockFile": folder / "virtuoso.lck",
            "TransactionFile": folder / "virtuoso.trx",
            "xa_persistent_file": folder / "virtuoso.pxa",
        },
        "TempDatabase": {"DatabaseFile": folder / "virtuoso-temp.db", "TransactionFile": folder / "virtuoso-temp.trx"},
        "Parameters": {"ServerPort": f"127.0.0.1:{sql_port}", "DirsAllowed": f"., {folder}"},
        "HTTPServer": {"ServerPort": f"127.0.0.1:{http_port}", "ServerRoot": folder},
        "URIQA": {"DefaultHost": f"127.0.0.1:{http_port}"},
        "SPARQL": {"ResultSetMaxRows": max_rows},
    }
    out: list[str] = []
    section = ""
    seen: set[tuple[str, str]] = set()

    def missing(name: str) -> list[str]:
        return [f"{key} = {value}" for key, value in wanted.get(name, {}).items() if (name, key) not in seen]

    for line in template.splitlines():
        header = re.match(r"^\s*\[([^\]]+)\]", line)
        if header:
            out.extend(missing(section))
            section = header.group(1).strip()
        else:
            setting = re.match(r"^\s*([A-Za-z_0-9]+)\s*=", line)
            if setting and setting.group(1) in wanted.get(section, {}):
                key = setting.group(1)
                seen.add((section, key))
                line = f"{key} = {wanted[section][key]}"
        out.append(line)
    out.extend(missing(section))
    return "\n".join(out) + "\n"


@dataclass
class VirtuosoServer:
    """A running `virtuoso-t` on loopback ports; its process is always stopped when the fixture ends."""

    folder: Path
    sql_port: int
    http_port: int
    process: subprocess.Popen
    max_rows: int
    granted: bool = False
    log: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return f"{self.url}/sparql"

    def sql(self, statement: str, timeout: float = 60) -> str:
        """Run SQL as dba through isql (e.g. a GRANT); a failure raises with isql's message."""
        done = subprocess.run(
            [ISQL, str(self.sql_port), "dba", DBA_PASSWORD, f"exec={statement}"],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql failed on {statement!r}: {(done.stdout + done.stderr).strip()[:500]}")
        return done.stdout

    def settings(self, auth: str = "grant", **overrides: object) -> RemoteSettings:
        """Settings for a RemoteStore on this server. `auth="grant"`: the open endpoints (the server must have
        granted SPARQL_UPDATE); `auth="digest"`: the authenticated endpoints as dba with Digest auth."""
        if auth == "digest":
            values: dict = {
                "query_url": self.query_url,
                "update_url": f"{self.url}/sparql-auth",
                "gsp_url": f"{self.url}/sparql-graph-crud-auth",
                "username": "dba",
                "password": DBA_PASSWORD,
                "auth_scheme": "digest",
                "timeout": 60.0,
            }
        else:
            values = {
                "query_url": self.query_url,
                "update_url": self.query_url,
                "gsp_url": f"{self.url}/sparql-graph-crud",
                "timeout": 60.0,
            }
        values.update(overrides)
        return RemoteSettings(**values)

    def grant_updates(self) -> None:
        """Let the anonymous SPARQL account write (what a private, loopback-only server may do; docs/stores.md)."""
        self.sql('GRANT SPARQL_UPDATE TO "SPARQL"')
        self.granted = True

    def clear(self) -> None:
        """Drop every graph qikg may have written (the server's own system graphs stay)."""
        self.sql(
            "DELETE FROM DB.DBA.RDF_QUAD WHERE G IN (SELECT G FROM DB.DBA.RDF_QUAD WHERE "
            "__ro2sq(G) LIKE 'https://w3id.org/qikg/%' OR __ro2sq(G) LIKE 'https://x.org/%')"
        )


def start_virtuoso(folder: Path, *, max_rows: int = 10_000, grant: bool = True) -> VirtuosoServer:
    """Start a Virtuoso with its own ini and database in `folder` on free loopback ports; wait until /sparql
    answers. `grant`: let the anonymous SPARQL account update (else loads need Digest auth as dba)."""
    if not virtuoso_installed():
        raise FileNotFoundError("Virtuoso is not installed (apt-get install virtuoso-opensource)")
    folder.mkdir(parents=True, exist_ok=True)
    template = TEMPLATE_INI.read_text(encoding="utf-8", errors="replace")
    for _attempt in range(3):  # another process may take a port between choosing and binding it
        sql_port, http_port = free_port(), free_port()
        if sql_port == http_port:
            continue
        ini = folder / "virtuoso.ini"
        ini.write_text(configure(template, folder, sql_port, http_port, max_rows), encoding="utf-8")
        process = subprocess.Popen(
            [VIRTUOSO, "+configfile", str(ini), "+foreground"],
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        server = VirtuosoServer(folder, sql_port, http_port, process, max_rows)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = httpx.get(server.query_url, params={"query": "ASK {}"}, timeout=2)
                if answer.status_code == 200:
                    if grant:
                        server.grant_updates()
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        stop_virtuoso(server)
        for name in ("virtuoso.db", "virtuoso.trx", "virtuoso.lck", "virtuoso-temp.db", "virtuoso-temp.trx"):
            (folder / name).unlink(missing_ok=True)
    log = folder / "virtuoso.log"
    tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
    raise RuntimeError(f"Virtuoso did not start (log in {folder}):\n{tail}")


def stop_virtuoso(server: VirtuosoServer) -> None:
    """Stop the server: a clean shutdown first (it checkpoints), then a kill if it does not go."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(20)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(10)
