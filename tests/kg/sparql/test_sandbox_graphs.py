"""Does a query worker judge FROM against the store's graphs of the moment, though the list is sent only when it
changes? And does a worker on the embedded store answer JSON as bytes it wrote itself, within the row limit?"""

from __future__ import annotations

import json

import pytest

from kg.sparql.formats import JSON, Encoded
from kg.sparql.policy import PolicyError
from kg.sparql.sandbox import QuerySandbox
from kg.store import QueryResult, RowLimitExceeded
from tests.kg.sparql.conftest import sandbox_over

EX = "http://example.org/"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory):
    trig = f"<{EX}g1> {{ <{EX}a> <{EX}p> 'one' . }}\n<{EX}g2> {{ <{EX}b> <{EX}p> 'two' . <{EX}c> <{EX}p> 'three' . }}\n"
    with sandbox_over(tmp_path_factory.mktemp("sandbox-graphs"), trig) as box:
        yield box


def _from(graph: str) -> str:
    return f"SELECT ?o FROM <{graph}> WHERE {{ ?s ?p ?o }}"


def test_from_follows_the_graphs_of_the_moment(sandbox: QuerySandbox) -> None:
    both = [EX + "g1", EX + "g2"]
    for _ in range(2):  # the second time the worker is not sent the list again
        _, result = sandbox.run(_from(EX + "g1"), timeout=10, row_limit=100, allowed_graphs=both)
        assert isinstance(result, QueryResult) and [str(v) for v in result.values("o")] == ["one"]
    with pytest.raises(PolicyError, match="not allowed"):
        sandbox.run(_from(EX + "elsewhere"), timeout=10, row_limit=100, allowed_graphs=both)
    with pytest.raises(PolicyError, match="not allowed"):  # g1 no longer held: the new list reaches the worker
        sandbox.run(_from(EX + "g1"), timeout=10, row_limit=100, allowed_graphs=[EX + "g2"])
    _, result = sandbox.run(_from(EX + "g1"), timeout=10, row_limit=100, allowed_graphs=both)
    assert isinstance(result, QueryResult) and len(result.rows) == 1


def test_the_worker_sends_json_it_wrote_itself(sandbox: QuerySandbox) -> None:
    query = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    checked, result = sandbox.run(query, timeout=10, row_limit=100, allowed_graphs=[], wanted={"SELECT": JSON})
    assert checked.form == "SELECT" and isinstance(result, Encoded) and result.media == JSON
    values = [b["o"]["value"] for b in json.loads(result.body)["results"]["bindings"]]
    assert values == ["one", "three", "two"]  # the default graph is the merge of both graphs
    with pytest.raises(RowLimitExceeded, match="more than 2 rows"):
        sandbox.run(query, timeout=10, row_limit=2, allowed_graphs=[], wanted={"SELECT": JSON})


def test_forms_without_a_wanted_format_come_back_as_results(sandbox: QuerySandbox) -> None:
    _, result = sandbox.run(
        "ASK { ?s ?p 'two' }", timeout=10, row_limit=100, allowed_graphs=[], wanted={"SELECT": JSON}
    )
    assert isinstance(result, QueryResult) and result.boolean is True
