"""How good is theme tagging? Precision and recall of `kg.rdf.tagging` against samples judged by reading reports.

    python -m bench.tagging                       # measure every sample: bench/results/tagging.json + tagging.md
    python -m bench.tagging --label before        # ... stored under that label (default "after")
    python -m bench.tagging --judged FILE         # one sample only (printed, not stored)
    python -m bench.tagging draw --seed 19 --assignments 150 --quotes 40 --out FILE   # a sample to judge
    python -m bench.tagging draw --report R1 --report R2 --all --out FILE   # every tag of those reports, to judge
    python -m bench.tagging draw-new --judged bench/judged/tags-2022-10-19.yaml --assignments 60 --out FILE

The samples (`SAMPLES`: bench/judged/tags-*.yaml) are data: each (item, theme) assignment with a judgement
(relevant / weak / wrong) and the reason for it, and each quote with the themes a QI reader would expect and why.
Items are keyed by their local id (`quote/2022-10-19/17`, `resource/<slug>`), never by a line. A sample names the
reports it was judged on (`reports:`, paths from the repository's root; the first report when absent): the first
report (curated) and invented later chats (TEST DATA under tests/kg/extract/fixtures/, tagged without curation,
as a chat added later is). Each sample is measured on its own and all of them pooled (counts summed).

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
SAMPLES = sorted((ROOT / "bench" / "judged").glob("tags-*.yaml"))
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


def current_tags(report: Path | list[Path] = REPORT) -> tuple[list[Tag], dict[str, str], Graph]:
    """Every assignment the tagger makes on the report (or on each of several, each tagged on its own as a chat of
    the build is), the text of each item, and the thesaurus. An item two reports hold (a core resource) keeps the
    tags of both."""
    from kg.rdf import ontology

    thesaurus = ontology.thesaurus()
    tags: list[Tag] = []
    texts: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    for one in [report] if isinstance(report, Path) else report:
        more, more_texts = _report_tags(one, thesaurus)
        tags += [t for t in more if (t.item, t.theme) not in seen]
        seen |= {(t.item, t.theme) for t in more}
        texts = more_texts | texts  # the first report's words, as for its tags
    return tags, texts, thesaurus


def _report_tags(report: Path, thesaurus: Graph) -> tuple[list[Tag], dict[str, str]]:
    from kg.extract.report import extract
    from kg.rdf import tagging

    records = extract(report)
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
    return tags, texts


def sample_reports(judged: dict) -> list[Path]:
    """The reports a judged sample was judged on (`reports:`, from the repository's root); the first by default."""
    return [ROOT / r for r in judged.get("reports") or []] or [REPORT]


def load_sample(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def sample_name(path: Path) -> str:
    return path.stem.removeprefix("tags-")


def measure_samples(paths: list[Path] | None = None) -> dict[str, dict]:
    """Each judged sample measured against the tags of its own reports, and `pooled`: all of them together."""
    out: dict[str, dict] = {}
    for path in paths or SAMPLES:
        judged = load_sample(path)
        tags, _, thesaurus = current_tags(sample_reports(judged))
        out[sample_name(path)] = measure(judged, tags, thesaurus)
    out["pooled"] = pool(list(out.values()))
    return out


def pool(results: list[dict]) -> dict:
    """The figures of several samples together: their counts summed, the ratios computed from the sums."""

    def total(key: str) -> int:
        return sum(r[key] for r in results)

    present, correct = total("assignments_present"), total("assignments_correct")
    expected, found = total("themes_expected"), total("themes_found")
    relevant, kept = total("relevant_judged"), total("relevant_kept")
    return {
        "precision": round(correct / present, 4) if present else None,
        "recall": round(found / expected, 4) if expected else None,
        "kept_relevant": round(kept / relevant, 4) if relevant else None,
        "assignments_judged": total("assignments_judged"),
        "assignments_present": present,
        "assignments_correct": correct,
        "relevant_judged": relevant,
        "relevant_kept": kept,
        "quotes_judged": total("quotes_judged"),
        "themes_expected": expected,
        "themes_found": found,
        "tags_total": total("tags_total"),
        "tags_weak": total("tags_weak"),
    }


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
        "relevant_judged": relevant,
        "relevant_kept": relevant_kept,
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
    n_assign: int | None,
    n_quotes: int | None,
    exclude: set[tuple[str, str]] = frozenset(),
) -> dict:
    """A fixed-seed random sample of assignments and of quotes, with their words, for a judge to fill in; every one
    of them (in order) when the count is None."""
    rng = random.Random(seed)
    candidates = sorted((t for t in tags if (t.item, t.theme) not in exclude), key=lambda t: (t.item, t.theme))
    picked = candidates if n_assign is None else rng.sample(candidates, min(n_assign, len(candidates)))
    quotes = sorted((k for k in texts if k.startswith("quote/")), key=_natural)
    if n_quotes is None:
        qpicked = quotes
    else:
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


def _natural(item: str) -> tuple:
    """quote/2023-01-31/2 before quote/2023-01-31/10."""
    return tuple(int(p) if p.isdigit() else p for p in item.split("/"))


def write_results(results: dict[str, dict], label: str) -> None:
    """Keep each labelled run (before / after ...) side by side in tagging.json and tagging.md: per sample and
    pooled. A run stored before there were several samples is the first report's sample alone."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "tagging.json"
    runs = json.loads(path.read_text()) if path.exists() else {}
    runs = {name: ({sample_name(JUDGED): r} if "precision" in r else r) for name, r in runs.items()}
    runs[label] = results
    path.write_text(json.dumps(runs, indent=2, sort_keys=True) + "\n")
    notes = (RESULTS / "tagging-notes.md").read_text() if (RESULTS / "tagging-notes.md").exists() else ""
    lines = [
        "# Theme tagging against the judged samples",
        "",
        "`python -m bench.tagging --label LABEL`; samples: `bench/judged/tags-*.yaml` (each names the reports it "
        "was judged on). `2022-10-19` is the first report (with its curation); the others are invented later chats "
        "(TEST DATA in tests/kg/extract/fixtures/) tagged with no curation, as a chat added later is. `pooled` sums "
        "the counts of every sample of the run.",
        "",
        "Within the first report's sample, the fair before/after comparison is its first list, drawn at random "
        "before the changes of session 7; its second list was drawn after them, the removed list is what they "
        "dropped. Weak = marked weak evidence in the graph; a 'weak' judgement counts as correct only when the "
        "graph marks it weak.",
        "",
        "| run | sample | precision | recall | relevant kept | assignments present / judged | themes found / "
        "expected | quotes | tags (weak) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    order = sorted(runs, key=lambda n: (n not in ("before", "after"), n != "before", n))
    for name in order:
        for sample, r in sorted(runs[name].items(), key=lambda x: (x[0] == "pooled", x[0])):
            lines.append(
                f"| {name} | {sample} | {r['precision']} | {r['recall']} | {r['kept_relevant']} | "
                f"{r['assignments_present']} / {r['assignments_judged']} | {r['themes_found']} / "
                f"{r['themes_expected']} | {r['quotes_judged']} | {r['tags_total']} ({r['tags_weak']}) |"
            )
    if notes:
        lines += ["", notes.rstrip()]
    for name in order:
        for sample, r in sorted(runs[name].items()):
            if sample == "pooled":
                continue
            lists = r.get("per_sample") or {}
            if lists.get("second", {}).get("judged"):
                lines += [
                    "",
                    f"## {name} / {sample}: precision per list (first / second / removed)",
                    "",
                    " / ".join(
                        f"{lists[k]['precision']} ({lists[k]['correct']}/{lists[k]['present']})"
                        for k in ("first", "second", "removed")
                    ),
                ]
            lines += ["", f"## {name} / {sample}: judged not correct but still given", ""]
            lines += [f"- {x}" for x in r["not_correct_now"]]
            lines += ["", f"## {name} / {sample}: expected themes missed", ""] + [f"- {x}" for x in r["missed_now"]]
    (RESULTS / "tagging.md").write_text("\n".join(lines) + "\n")


SUMMARY = ("precision", "recall", "kept_relevant", "assignments_present", "themes_expected", "tags_total", "tags_weak")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tagging")
    parser.add_argument("command", nargs="?", default="measure", choices=["measure", "draw", "draw-new"])
    parser.add_argument("--label", default="after")
    parser.add_argument("--judged", type=Path, help="one sample (measure: printed only; draw-new: what to exclude)")
    parser.add_argument("--report", type=Path, action="append", help="draw from this report (repeatable)")
    parser.add_argument("--all", action="store_true", help="draw every assignment and every quote")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--assignments", type=int, default=150)
    parser.add_argument("--quotes", type=int, default=40)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    for path in [args.judged, *(args.report or [])]:
        if path is not None and not path.is_file():
            parser.error(f"no such file: {path}")
    if args.command == "measure":
        results = measure_samples([args.judged] if args.judged else None)
        if not args.judged:
            write_results(results, args.label)
        print(json.dumps({name: {k: r[k] for k in SUMMARY} for name, r in results.items()}, indent=1))
        return 0
    exclude: set[tuple[str, str]] = set()
    n_quotes: int | None = None if args.all else args.quotes
    reports = [p.resolve() for p in args.report or []] or [REPORT]
    if args.command == "draw-new":
        judged = load_sample(args.judged or JUDGED)
        reports = args.report and reports or sample_reports(judged)
        exclude = {
            (r["item"], r["theme"])
            for key in ("assignments", "new_assignments", "removed_assignments")
            for r in judged.get(key, [])
        }
        n_quotes = 0
    tags, texts, _ = current_tags(reports)
    sample = draw(tags, texts, args.seed, None if args.all else args.assignments, n_quotes, exclude)
    out = yaml.safe_dump(sample, sort_keys=False, allow_unicode=True, width=120)
    if args.out:
        args.out.write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
