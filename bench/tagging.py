"""How good is theme tagging? Precision and recall of `kg.rdf.tagging` against a sample judged by reading the report.

    python -m bench.tagging                       # measure: bench/results/tagging.json + tagging.md
    python -m bench.tagging --label before        # ... stored under that label (default "after")
    python -m bench.tagging draw --seed 19 --assignments 150 --quotes 40 --out FILE   # a sample to judge
    python -m bench.tagging draw-new --against bench/judged/tags-2022-10-19.yaml --n 60 --out FILE

The judged sample (`bench/judged/tags-2022-10-19.yaml`) is data: each drawn (item, theme) assignment with a
judgement (relevant / weak / wrong) and the reason for it, and each drawn quote with the themes a QI reader would
expect and why. Items are keyed by their local id (`quote/2022-10-19/17`, `resource/<slug>`), never by a line.

- precision: of the judged assignments the tagger still makes, those judged relevant, plus those judged weak that
  the graph itself marks as weak evidence; "wrong" never counts.
- recall: of the themes expected for the judged quotes, those the tagger gives the quote (the theme itself or a
  narrower one; weak evidence counts as found).
- kept: of the assignments judged relevant, the share the tagger still makes (what a rule change threw away).

Three judged lists: `assignments` (the first sample, drawn before the changes), `new_assignments` (drawn after them:
every assignment they added, and a random draw of assignments not judged before) and `removed_assignments` (what
the changes dropped); precision and kept are over all three, and each list's own precision is reported too.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml
from rdflib import Graph
from rdflib.namespace import SKOS

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "kg" / "sources" / "leadingqi-2022-10-19-report.txt"
JUDGED = ROOT / "bench" / "judged" / "tags-2022-10-19.yaml"
RESULTS = ROOT / "bench" / "results"
QID = "https://w3id.org/qikg/id/"


@dataclass(frozen=True)
class Tag:
    """One assignment as the tagger makes it now, with the words it was read from."""

    item: str
    theme: str
    reason: str
    weak: bool
    evidence: str
    text: str


def item_id(iri: str) -> str:
    return iri.removeprefix(QID)


def current_tags(report: Path = REPORT) -> tuple[list[Tag], dict[str, str], Graph]:
    """Every assignment the tagger makes on the report, the text of each item, and the thesaurus."""
    from kg.extract.report import extract
    from kg.rdf import ontology, tagging

    records = extract(report)
    thesaurus = ontology.thesaurus()
    found, _ = tagging.assignments(records, thesaurus, tagging.load_curated())
    texts = item_texts(records)
    tags = [
        Tag(
            item_id(str(a.subject)),
            a.theme_slug,
            a.reason,
            bool(getattr(a, "weak", False)),
            str(a.matched_label or a.note or (a.via_question and item_id(str(a.via_question))) or ""),
            texts.get(item_id(str(a.subject)), ""),
        )
        for a in found
    ]
    return tags, texts, thesaurus


def item_texts(records) -> dict[str, str]:
    """Local id -> the words of each quote, question and resource (what a judge reads)."""
    from kg import iris

    slug = records.chat.slug
    out = {item_id(str(iris.quote(slug, q.number))): f"[Q{q.question}] {q.author}: {q.text}" for q in records.quotes}
    out |= {item_id(str(iris.question(slug, q.number))): f"Question {q.number}: {q.text}" for q in records.questions}
    for r in records.resources:
        out[item_id(str(iris.resource(r.slug)))] = " ".join(
            x
            for x in [
                f"[{r.type}]" if r.type else "",
                r.title or r.label,
                r.description or "",
                "(core resource)" if r.core else "",
            ]
            if x
        )
    return out


def narrower_closure(thesaurus: Graph) -> dict[str, set[str]]:
    """theme slug -> itself and every narrower theme (to credit a more specific tag for an expected theme)."""
    parents: dict[str, set[str]] = {}
    for child, parent in thesaurus.subject_objects(SKOS.broader):
        parents.setdefault(str(child).rsplit("/", 1)[-1], set()).add(str(parent).rsplit("/", 1)[-1])
    slugs = {str(t).rsplit("/", 1)[-1] for t in thesaurus.subjects(SKOS.prefLabel, None)}
    below: dict[str, set[str]] = {s: {s} for s in slugs}
    for slug in slugs:
        stack, seen = [slug], set()
        while stack:
            cur = stack.pop()
            for p in parents.get(cur, ()):
                if p not in seen:
                    seen.add(p)
                    below.setdefault(p, {p}).add(slug)
                    stack.append(p)
    return below


def measure(judged: dict, tags: list[Tag], thesaurus: Graph) -> dict:
    """Precision, recall and kept share of the judged sample against the tags the tagger makes now."""
    now = {(t.item, t.theme): t for t in tags}
    by_item: dict[str, set[str]] = {}
    for t in tags:
        by_item.setdefault(t.item, set()).add(t.theme)
    below = narrower_closure(thesaurus)
    present = correct = relevant = relevant_kept = 0
    wrong_now: list[str] = []
    samples = {
        "first": judged.get("assignments", []),
        "second": judged.get("new_assignments", []),
        "removed": judged.get("removed_assignments", []),
    }
    per_sample: dict[str, dict] = {}
    for name, rows in samples.items():
        p = c = 0
        for row in rows:
            key = (row["item"], row["theme"])
            tag = now.get(key)
            if row["judgement"] == "relevant":
                relevant += 1
                relevant_kept += tag is not None
            if tag is None:
                continue
            p += 1
            ok = row["judgement"] == "relevant" or (row["judgement"] == "weak" and tag.weak)
            c += ok
            if not ok:
                wrong_now.append(f"{row['item']} {row['theme']} ({row['judgement']}{', weak' if tag.weak else ''})")
        per_sample[name] = {
            "judged": len(rows),
            "present": p,
            "correct": c,
            "precision": round(c / p, 4) if p else None,
        }
        present += p
        correct += c
    expected = found = 0
    missed: list[str] = []
    for row in judged.get("quotes", []):
        have = by_item.get(row["item"], set())
        for theme in row.get("expected", []):
            expected += 1
            if have & below.get(theme, {theme}):
                found += 1
            else:
                missed.append(f"{row['item']} {theme}")
    return {
        "precision": round(correct / present, 4) if present else None,
        "recall": round(found / expected, 4) if expected else None,
        "kept_relevant": round(relevant_kept / relevant, 4) if relevant else None,
        "assignments_judged": sum(len(r) for r in samples.values()),
        "assignments_present": present,
        "assignments_correct": correct,
        "per_sample": per_sample,
        "quotes_judged": len(judged.get("quotes", [])),
        "themes_expected": expected,
        "themes_found": found,
        "not_correct_now": wrong_now,
        "missed_now": missed,
        "tags_total": len(tags),
        "tags_weak": sum(t.weak for t in tags),
    }


def draw(
    tags: list[Tag],
    texts: dict[str, str],
    seed: int,
    n_assign: int,
    n_quotes: int,
    exclude: set[tuple[str, str]] = frozenset(),
) -> dict:
    """A fixed-seed random sample of assignments and of quotes, with their words, for a judge to fill in."""
    rng = random.Random(seed)
    pool = sorted((t for t in tags if (t.item, t.theme) not in exclude), key=lambda t: (t.item, t.theme))
    picked = rng.sample(pool, min(n_assign, len(pool)))
    quotes = sorted(k for k in texts if k.startswith("quote/"))
    qpicked = rng.sample(quotes, min(n_quotes, len(quotes))) if n_quotes else []
    given: dict[str, list[str]] = {}
    for t in tags:
        given.setdefault(t.item, []).append(t.theme)
    return {
        "assignments": [
            {
                "item": t.item,
                "theme": t.theme,
                "reason": t.reason,
                "evidence": t.evidence,
                "text": t.text,
                "judgement": None,
                "why": None,
            }
            for t in picked
        ],
        "quotes": [
            {"item": q, "text": texts[q], "tagged": sorted(given.get(q, [])), "expected": None, "why": None}
            for q in qpicked
        ],
    }


def write_results(result: dict, label: str) -> None:
    """Keep each labelled run (before / after) side by side in tagging.json and tagging.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "tagging.json"
    runs = json.loads(path.read_text()) if path.exists() else {}
    runs[label] = result
    path.write_text(json.dumps(runs, indent=2, sort_keys=True) + "\n")
    lines = [
        "# Theme tagging against the judged sample",
        "",
        "`python -m bench.tagging --label LABEL`; sample: `bench/judged/tags-2022-10-19.yaml`.",
        "",
        "The fair before/after comparison is the first list, drawn at random before the changes. The second "
        "list was drawn after them (what they added, and assignments not judged before), the removed list "
        "is what they dropped: the overall figures mix all three. Weak = marked weak evidence in the graph.",
        "",
        "| run | precision | recall | relevant kept | assignments present / judged | themes found / expected "
        "| tags (weak) | precision per list (first / second / removed) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in sorted(runs, key=lambda n: (n != "before", n)):
        r = runs[name]
        lines.append(
            f"| {name} | {r['precision']} | {r['recall']} | {r['kept_relevant']} | "
            f"{r['assignments_present']} / {r['assignments_judged']} | {r['themes_found']} / "
            f"{r['themes_expected']} | {r['tags_total']} ({r['tags_weak']}) | "
            + " / ".join(
                f"{r['per_sample'][k]['precision']} ({r['per_sample'][k]['correct']}/{r['per_sample'][k]['present']})"
                for k in ("first", "second", "removed")
            )
            + " |"
        )
    for name in sorted(runs):
        r = runs[name]
        lines += ["", f"## {name}: judged not correct but still given", ""] + [f"- {x}" for x in r["not_correct_now"]]
        lines += ["", f"## {name}: expected themes missed", ""] + [f"- {x}" for x in r["missed_now"]]
    (RESULTS / "tagging.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tagging")
    parser.add_argument("command", nargs="?", default="measure", choices=["measure", "draw", "draw-new"])
    parser.add_argument("--label", default="after")
    parser.add_argument("--judged", type=Path, default=JUDGED)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--assignments", type=int, default=150)
    parser.add_argument("--quotes", type=int, default=40)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    tags, texts, thesaurus = current_tags()
    if args.command == "measure":
        result = measure(yaml.safe_load(args.judged.read_text(encoding="utf-8")), tags, thesaurus)
        write_results(result, args.label)
        print(
            json.dumps(
                {
                    k: result[k]
                    for k in (
                        "precision",
                        "recall",
                        "kept_relevant",
                        "assignments_present",
                        "themes_expected",
                        "tags_total",
                        "tags_weak",
                    )
                }
            )
        )
        return 0
    exclude: set[tuple[str, str]] = set()
    n_quotes = args.quotes
    if args.command == "draw-new":
        judged = yaml.safe_load(args.judged.read_text(encoding="utf-8"))
        exclude = {
            (r["item"], r["theme"])
            for key in ("assignments", "new_assignments", "removed_assignments")
            for r in judged.get(key, [])
        }
        n_quotes = 0
    sample = draw(tags, texts, args.seed, args.assignments, n_quotes, exclude)
    out = yaml.safe_dump(sample, sort_keys=False, allow_unicode=True, width=120)
    if args.out:
        args.out.write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
