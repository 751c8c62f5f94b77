"""A resource another report printed twice under other titles: the resource page's "Also printed as" names both
titles with that report and cites each of its lines once, never each title at every line (a report's graph states
its printings' titles and lines, not which title stands on which line)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

BROWSER = {"accept": "text/html"}
FIXTURES = Path(__file__).parent / "fixtures"
LATER = """
<https://w3id.org/qikg/graph/source/later> {
  <https://w3id.org/qikg/id/source/later> a qi:SourceDocument ; dcterms:title "Later report" ; qi:sha256 "01" .
  <https://w3id.org/qikg/id/resource/leading-improvement> a qi:Resource ;
      rdfs:label "Leading improvement, 2nd edition" , "Leading improvement: a guide" ;
      schema:alternateName "Leading improvement, 2nd edition" , "Leading improvement: a guide" ;
      prov:wasDerivedFrom <https://w3id.org/qikg/id/source/later> ; qi:sourceLine 7 , 19 .
}
"""


def test_two_printings_in_one_report_are_cited_at_the_reports_lines_once_each(tmp_path: Path, app_settings) -> None:
    from api.main import create_app

    data = tmp_path / "build"
    data.mkdir()
    shutil.copy(FIXTURES / "mini.trig", data / "qikg.trig")
    with (data / "qikg.trig").open("a", encoding="utf-8") as out:
        out.write(LATER)
    with TestClient(create_app(app_settings(data, "oxigraph", "printed-twice"))) as client:
        page = client.get("/id/resource/leading-improvement", headers=BROWSER)
    assert page.status_code == 200
    [printed] = re.findall(r"Also printed as</dt><dd>(.*?)</dd>", page.text, re.S)
    assert "“Leading improvement, 2nd edition”" in printed and "“Leading improvement: a guide”" in printed
    cited = re.findall(r'href="(/report/[^"#]+#L\d+)"', printed)
    assert sorted(cited) == sorted(set(cited)) and {c.rsplit("#", 1)[1] for c in cited} == {"L7", "L19"}
    assert printed.count("Later report") == 1 + len(cited)  # the report named once, and in each link's tooltip
