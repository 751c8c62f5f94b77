"""A resource shared in three chats: in which order does its page (and its JSON) list the chats and the report lines
it comes from? By the chat's date, oldest first (its first printing, whose title the node keeps, then each later
chat that shared it again), never by line number or by the report's address; and each line with its own report
(line 900 of one report is not a line of another)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

BROWSER = {"accept": "text/html"}
FIXTURES = Path(__file__).parent / "fixtures"
RES = "<https://w3id.org/qikg/id/resource/leading-improvement>"
# the fixture's own chat (19 October 2022) prints the resource at line 50; two later chats, written here latest
# first, print it at line 7 (25 June 2024) and line 900 (30 May 2023): line order, address order (fixture, late,
# middle) and the order written all differ from the chats' order
LATER = f"""
<https://w3id.org/qikg/graph/source/late> {{
  <https://w3id.org/qikg/id/source/late> a qi:SourceDocument ; dcterms:title "June 2024 report" ; qi:sha256 "03" .
  <https://w3id.org/qikg/id/chat/2024-06-25> a qi:TweetChat ; rdfs:label "June 2024 chat" ;
      dcterms:date "2024-06-25"^^xsd:date ; prov:wasDerivedFrom <https://w3id.org/qikg/id/source/late> ;
      qi:sourceLine 3 .
  <https://w3id.org/qikg/id/chat/2024-09-24> a qi:TweetChat ; rdfs:label "Tweet chat of 2024-09-24 (announced)" ;
      dcterms:date "2024-09-24"^^xsd:date ; prov:wasDerivedFrom <https://w3id.org/qikg/id/source/late> ;
      qi:sourceLine 300 .
  {RES} a qi:Resource ; qi:inChat <https://w3id.org/qikg/id/chat/2024-06-25> ;
      schema:alternateName "Leading improvement: the June printing" ;
      prov:wasDerivedFrom <https://w3id.org/qikg/id/source/late> ; qi:sourceLine 7 .
}}
<https://w3id.org/qikg/graph/source/middle> {{
  <https://w3id.org/qikg/id/source/middle> a qi:SourceDocument ; dcterms:title "May 2023 report" ; qi:sha256 "02" .
  <https://w3id.org/qikg/id/chat/2023-05-30> a qi:TweetChat ; rdfs:label "May 2023 chat" ;
      dcterms:date "2023-05-30"^^xsd:date ; prov:wasDerivedFrom <https://w3id.org/qikg/id/source/middle> ;
      qi:sourceLine 3 .
  {RES} a qi:Resource ; qi:inChat <https://w3id.org/qikg/id/chat/2023-05-30> ;
      schema:alternateName "Leading improvement: the May printing" ;
      prov:wasDerivedFrom <https://w3id.org/qikg/id/source/middle> ; qi:sourceLine 900 .
}}
"""


def _client(tmp_path: Path, app_settings) -> TestClient:
    from api.main import create_app

    data = tmp_path / "build"
    data.mkdir()
    shutil.copy(FIXTURES / "mini.trig", data / "qikg.trig")
    with (data / "qikg.trig").open("a", encoding="utf-8") as out:
        out.write(LATER)
    return TestClient(create_app(app_settings(data, "oxigraph", "chats-order")))


def test_the_resource_page_lists_its_chats_and_lines_oldest_chat_first(tmp_path: Path, app_settings) -> None:
    with _client(tmp_path, app_settings) as client:
        page = client.get("/id/resource/leading-improvement", headers=BROWSER)
        record = client.get("/api/resources/leading-improvement")
    assert page.status_code == 200 and record.status_code == 200
    [source] = re.findall(r'<p class="provenance">Source: (.*?)</p>', page.text, re.S)
    cited = re.findall(r'href="/report/([^"#]+)#L(\d+)"', source)
    assert cited == [("fixture", "50"), ("middle", "900"), ("late", "7")]
    assert source.index("Fixture report") < source.index("May 2023 report") < source.index("June 2024 report")
    [chats] = re.findall(r"<dt>Chats</dt><dd>(.*?)</dd>", page.text, re.S)
    assert re.findall(r'href="/id/chat/([\d-]+)"', chats) == ["2023-05-30", "2024-06-25"]
    assert "May 2023 chat (30 May 2023)" in chats
    [printed] = re.findall(r"Also printed as</dt><dd>(.*?)</dd>", page.text, re.S)
    assert printed.index("the May printing") < printed.index("the June printing")
    assert re.findall(r'href="/report/([^"#]+)#L(\d+)"', printed) == [("middle", "900"), ("late", "7")]
    # the JSON says the same, in the same order, each line with the report that prints it
    lines = [(s["source"].rsplit("/", 1)[1], s["line"]) for s in record.json()["source"]]
    assert lines == [("fixture", 50), ("middle", 900), ("late", 7)]
