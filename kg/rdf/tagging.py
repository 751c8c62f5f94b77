"""Theme tagging with recorded reasons: why does this quote, question or resource have this theme?

Three reasons, in order of preference (one `qi:ThemeAssignment` per item and theme keeps the best):
- "label": a thesaurus label (pref/alt/hidden) occurs in the item's words (`qi:matchedLabel`, with the words
  around it in `qi:matchedContext`), unless a context rule (`CONTEXT_RULES`) says that occurrence means something
  else; a few phrase rules (`PHRASE_RULES`) find what a fixed label cannot (the verb "model", "X-focussed");
- "question": a quote (or a resource discussed) in a question's section inherits that question's themes
  (`qi:viaQuestion`), but not when its own words are all about other lessons;
- "curated": a reviewed entry of `kg/data/curated_themes.yaml`, with its source line and reason (`qi:note`);
- "chat": the last resort for an item nothing else tags: the themes the chat's title names (`qi:matchedLabel`),
  always weak.
A question no reviewer mapped (a later chat's) passes on the themes its own words name.
Every assignment says how strong its evidence is (`qi:strength`): "weak" for a theme inherited from a question's
section that the item's own words do not back up, and for the chat's topic; the API ranks weak evidence last.
The question -> theme mapping itself lives in that file, not in code, so a reviewer can read and change it.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal as Kind

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from kg import iris
from kg.iris import QI, QID
from kg.records import ChatRecords

CURATED_PATH = Path(__file__).resolve().parents[1] / "data" / "curated_themes.yaml"
REASON_RANK = {"label": 0, "question": 1, "curated": 2, "chat": 3}
LABEL_KINDS = {SKOS.prefLabel: "pref", SKOS.altLabel: "alt", SKOS.hiddenLabel: "hidden"}
_SEPARATOR = r"[\s\-\u2010\u2011\u2013_]*"


@dataclass(frozen=True)
class Assignment:
    """One theme given to one item, with the evidence for it."""

    subject: URIRef
    theme_slug: str
    reason: str
    line: int
    matched_label: str | None = None
    via_question: URIRef | None = None
    note: str | None = None
    context: str | None = None
    weak: bool = False


def theme_slug(theme: URIRef) -> str:
    return str(theme).removeprefix(str(QID) + "theme/")


_WORD_CHAR = re.compile(r"\w")
_SEPARATOR_CHAR = re.compile(_SEPARATOR.removesuffix("*"))
_NOT_GIVEN = object()


class LabelPattern:
    """How to find one label in a text: `search(text)` gives where it first occurs (a regex match start), or None.

    Tagging tries every label (about 600) on every item; compiling all the regexes and scanning every text with each
    took most of the RDF build. A label of ASCII words in a text without cased non-ASCII characters (nearly all of
    them) is found without a regex, by the same rules (see `_casefree`); any other pair goes through the regex,
    compiled on first use.
    """

    __slots__ = ("source", "words", "_regex")

    def __init__(self, words: list[str]) -> None:
        self.source = r"(?<![\w])" + _SEPARATOR.join(re.escape(w) for w in words) + r"(?![\w])"
        self.words = tuple(w.lower() for w in words) if all(w.isascii() for w in words) else None
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            self._regex = re.compile(self.source, re.IGNORECASE)
        return self._regex

    def search(self, text: str, lowered: str | None | object = _NOT_GIVEN) -> int | None:
        """Where the label first occurs in `text`; `lowered` is `_casefree(text)` when the caller has it."""
        if self.words is not None:
            lowered = _casefree(text) if lowered is _NOT_GIVEN else lowered
            if isinstance(lowered, str):
                return _find_words(lowered, self.words)
        m = self.regex.search(text)
        return m.start() if m else None


def _casefree(text: str) -> str | None:
    """The text lower-cased, when plain comparison of the lower-cased text with lower-cased ASCII words gives what
    the case-insensitive regex gives; else None.

    The regex equates an ASCII letter with its other case and with a few cased non-ASCII characters only (the Kelvin
    sign, long s, dotless i and dotted I). In a text without cased non-ASCII characters, lower() changes ASCII
    letters only (every uncased character lower-cases to itself), so positions and word characters stay as they are.
    """
    if text.isascii() or not any(not c.isascii() and c.lower() != c.upper() for c in text):
        return text.lower()
    return None


def _find_words(lowered: str, words: tuple[str, ...]) -> int | None:
    """The regex of `LabelPattern` without a regex: the first start of the words, separated by any run of
    separators (possibly none), not preceded or followed by a word character. Separators never occur inside a word,
    so the greedy separator run is the only way to go on: no backtracking to do."""
    first, end = words[0], len(lowered)
    start = lowered.find(first)
    while start != -1:
        if start == 0 or not _WORD_CHAR.match(lowered, start - 1):
            pos = start + len(first)
            for word in words[1:]:
                while pos < end and _SEPARATOR_CHAR.match(lowered, pos):
                    pos += 1
                if not lowered.startswith(word, pos):
                    break
                pos += len(word)
            else:
                if pos >= end or not _WORD_CHAR.match(lowered, pos):
                    return start
        start = lowered.find(first, start + 1)
    return None


def label_patterns(thesaurus: Graph) -> list[tuple[LabelPattern, str, str]]:
    """(pattern, label, theme slug) for every thesaurus label, longest label first.

    Case-insensitive, on word boundaries, and tolerant of separators: 'hoshin kanri' also finds 'hoshin-kanri' and
    '#hoshinkanri', 'go and see' finds 'go-and-see'.
    """
    found: set[tuple[str, str]] = set()
    for prop in LABEL_KINDS:
        for theme, written in thesaurus.subject_objects(prop):
            if isinstance(theme, URIRef) and str(theme).startswith(str(QID) + "theme/"):
                found.add((str(written).strip(), theme_slug(theme)))
    return list(_patterns(frozenset(found)))


@functools.lru_cache(maxsize=8)
def _patterns(found: frozenset[tuple[str, str]]) -> tuple[tuple[LabelPattern, str, str], ...]:
    """The patterns of a set of (label, slug), made once per process for each thesaurus (every chat of a build is
    tagged with the same one: making them per chat was a fifth of building 50 chats)."""
    out = []
    for label, slug in sorted(found, key=lambda x: (-len(x[0]), x[0].lower(), x[1])):
        words = [w for w in re.split(r"[\s\-\u2010\u2011\u2013_]+", label) if w]
        if not words:
            continue
        out.append((LabelPattern(words), label, slug))
    return tuple(out)


@dataclass(frozen=True)
class Rule:
    """A context rule: inside a match of `pattern`, a label of `theme` means something else (CONTEXT_RULES), or
    a match of `pattern` is itself evidence for `theme` (PHRASE_RULES). `why` is shown to reviewers and tests."""

    theme: str
    pattern: re.Pattern[str]
    why: str


def _rule(theme: str, pattern: str, why: str) -> Rule:
    return Rule(theme, re.compile(pattern, re.IGNORECASE), why)


_APOS = "['\u2019]"
# Words a label shares with everyday phrases that are not about the theme. Each rule is about how English uses the
# words, never about one report's lines; tests/kg/rdf/test_tagging.py tries each on invented sentences.
CONTEXT_RULES: list[Rule] = [
    _rule(
        "networks-and-communities",
        r"\bcommunit(?:y|ies) (?:we|they|you|it) serve[sd]?\b",
        "'the communities we serve' are the people an organisation cares for, not a network of improvers",
    ),
    _rule(
        "networks-and-communities",
        r"\brooted in (?:our|the|their|its|local) communit(?:y|ies)\b",
        "'rooted in our communities' is an organisation's local place",
    ),
    _rule(
        "networks-and-communities",
        r"\bcommunity (?:trusts?|hospitals?|services?|nursing|care|health|teams?)\b",
        "a 'community trust' or 'community services' is a kind of NHS provider",
    ),
    _rule(
        "social-media-learning",
        r"\bsee (?:the |our |my )?(?:twitter|tweet)(?: conversation| thread| chat)?\b",
        "'see twitter conversation' points to where something was shared",
    ),
    _rule("social-media-learning", r"\btwitter\.com/\S*", "a link to a tweet"),
    _rule(
        "social-media-learning",
        r"\b(?:welcome to|join(?:ing)?|take part in|taking part in|part of) (?:our|this|the|today"
        + _APOS
        + r"s|tonight"
        + _APOS
        + r"s|the next|the upcoming|a|an) (?:#?\w+ )?tweet ?chats?\b",
        "naming the chat one takes part in is not talking about learning through social media",
    ),
    _rule(
        "reflection",
        r"\b(?:that" + _APOS + r"s|that is|what|such|an?)\s+(?:(?:really|very|so|truly|great|interesting|honest|"
        r"impactful|powerful|lovely|brilliant|thoughtful|good|fab|fabulous|wonderful|insightful)\s+){0,2}"
        r"reflections?\b(?!\s+(?:time|space|session))",
        "'that's a really impactful reflection' calls a remark a reflection, not a space to reflect",
    ),
    _rule("reflection", r"\breflect (?:whether|if|that)\b", "'reflect whether' means 'consider whether'"),
    _rule(
        "co-production",
        r"\bco-?produc\w*(?:\s+[\w'\u2019-]+){0,4}\s+with\s+(?:staff|colleagues|teams?|managers|clinicians)\b",
        "co-producing with staff is not co-production with patients",
    ),
    _rule(
        "respect",
        r"\b(?:someone|somebody|people|those|leaders?|a person) (?:you|we|they|I) respect\b",
        "'someone you respect' is esteem for a person, not respect for people as a way of working",
    ),
    _rule(
        "curiosity-and-learning",
        r"\bsystems?\s+(?:\w+\s+){0,3}keep learning\b",
        "systems that 'learn and keep learning' is about systems adapting, not a culture of curiosity",
    ),
    _rule(
        "strategic-priorities",
        r"\bpriorities for (?:action|research|change|the future)\b",
        "'priorities for action' are a report's recommendations, not an organisation's strategic priorities",
    ),
    _rule(
        "golden-thread",
        r"\b(?:twitter|tweet|email|e-mail|discussion|conversation|comment|reply) thread\b",
        "a discussion thread is not the golden thread",
    ),
    _rule(
        "qi-in-everyday-work",
        r"\b(?:collaborat\w*|network\w*|relationships?|teamwork|wellbeing|connecting|listening|coaching|"
        r"reflection)\b(?:\s+[\w-]+){0,4}\s+(?:a\s+|an\s+)?(?:\w+\s+)?part of the job\b",
        "'collaboration as a key part of the job' is about collaboration, not QI as part of everyday work",
    ),
]

# Phrases a fixed label cannot spell: the verb "model" after a modal, "patient-focused", learning by trying it.
PHRASE_RULES: list[Rule] = [
    _rule(
        "role-modelling",
        r"\b(?:to|can|could|will|would|must|should|usually|often|always|then|and)\s+(?:only\s+|also\s+|\w+ly\s+)?"
        r"model(?:s|led|ling)?\b(?!\s+(?:for|of)\b)(?=\s+(?:well|so much|it|this|that|the|these|those|what|how|"
        r"good|positive|new|QI|quality|improvement|behaviou?rs?|after)\b)",
        "'model' as a verb (leaders modelling what they ask of others)",
    ),
    _rule(
        "role-modelling",
        r"\bmodel(?:s|led|ling)?\s+(?:the\s+)?(?:quality improvement|QI|improvement|good|positive|right|new|desired|"
        r"expected)\s+behaviou?rs?\b",
        "modelling the behaviours expected",
    ),
    _rule(
        "patients-at-the-centre",
        r"\bpatients?(?:\s+and\s+\w+)?[\s-]+focus(?:s)?ed\b",
        "'patient(-and-outcome) focussed'",
    ),
    _rule(
        "learning-by-doing",
        r"\b(?:(?:play|do|try|practi[sc]e|apply|use)(?:ing)?\s+(?:it|them)|try|trying)\s*,?\s+and\s+experienc\w*",
        "trying something and experiencing it, rather than knowing it in theory",
    ),
    _rule(
        "learning-by-doing",
        r"\bapply(?:ing)?\s+(?:it|them|this|the training|what (?:they|we|you) (?:learn|learnt|learned))\s+"
        r"(?:authentically|in practice|for real|to (?:real|their|our) (?:work|problems|practice))",
        "applying what was learnt to real work",
    ),
    _rule(
        "listening",
        r"\b(?:attentive|attention|listen\w*) to what (?:is|was|gets|has been) (?:heard|said|understood)\b",
        "paying attention to what others hear and say",
    ),
]


@dataclass(frozen=True)
class Evidence:
    """Where a theme was found in a text: the label (or rule) and the words around it."""

    label: str
    start: int
    context: str


def context_of(text: str, start: int, end: int, width: int = 60) -> str:
    """The matched words with up to `width` characters either side, on word boundaries, one line."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    snippet = " ".join(text[lo:hi].split())
    return ("\u2026" if lo > 0 else "") + snippet + ("\u2026" if hi < len(text) else "")


def _vetoed(text: str, theme: str) -> list[tuple[int, int]]:
    return [m.span() for r in CONTEXT_RULES if r.theme == theme for m in r.pattern.finditer(text)]


def find_themes(text: str, patterns: list[tuple[LabelPattern, str, str]]) -> dict[str, Evidence]:
    """theme slug -> the first occurrence of one of its labels (or phrase rules) that no context rule explains away."""
    hits: dict[str, Evidence] = {}
    lowered = _casefree(text)
    vetoes: dict[str, list[tuple[int, int]]] = {}
    ruled = {r.theme for r in CONTEXT_RULES}
    for pattern, label, slug in patterns:
        if lowered is not None and pattern.words is not None and pattern.words[0] not in lowered:
            continue  # the common case, decided here without a call
        start = pattern.search(text, lowered)
        if start is None:
            continue
        end = start + len(label)
        if slug in ruled:
            spans = vetoes.setdefault(slug, _vetoed(text, slug))
            free = next(
                (
                    m.span()
                    for m in pattern.regex.finditer(text)
                    if not any(a <= m.start() and m.end() <= b for a, b in spans)
                ),
                None,
            )
            if free is None:
                continue
            start, end = free
        else:
            matched = pattern.regex.match(text, start)
            end = matched.end() if matched else end
        if slug not in hits or start < hits[slug].start:
            hits[slug] = Evidence(label, start, context_of(text, start, end))
    known = {slug for _, _, slug in patterns}
    for rule in PHRASE_RULES:
        if rule.theme not in known or rule.theme in hits:
            continue
        found = rule.pattern.search(text)
        if found:
            hits[rule.theme] = Evidence(
                " ".join(found.group(0).split()), found.start(), context_of(text, *found.span())
            )
    return dict(sorted(hits.items()))


def match_labels(text: str, patterns: list[tuple[LabelPattern, str, str]]) -> dict[str, str]:
    """theme slug -> the label found first in the text (after the context rules)."""
    return {slug: ev.label for slug, ev in find_themes(text, patterns).items()}


def load_curated(path: Path | None = None) -> dict:
    """The reviewed file: `questions` (question -> themes) and `items` (themes for single items)."""
    from kg.sources import curation

    data = curation.load(path or CURATED_PATH, curation.CuratedThemes | None)[0] or {}
    return {"questions": data.get("questions") or [], "items": data.get("items") or []}


def _lesson_of(thesaurus: Graph) -> dict[str, str]:
    """theme slug -> the slug of the top concept above it (a lesson), itself for a top concept."""
    parent = {
        theme_slug(c): theme_slug(p)
        for c, p in thesaurus.subject_objects(SKOS.broader)
        if isinstance(c, URIRef) and isinstance(p, URIRef)
    }
    out: dict[str, str] = {}
    slugs = {theme_slug(t) for t in thesaurus.subjects(SKOS.prefLabel, None) if isinstance(t, URIRef)}
    for slug in slugs | set(parent):
        cur, seen = slug, {slug}
        while cur in parent and parent[cur] not in seen:
            cur = parent[cur]
            seen.add(cur)
        out[slug] = cur
    return out


def inherit(question_theme: str, own: set[str], lesson_of: dict[str, str]) -> Kind["strong", "weak"] | None:
    """Does an item in a question's section carry the question's theme? Its own words decide.

    Words about the same lesson as the question's theme back the inheritance up ("strong"); no theme in its words
    leaves the section as the only evidence ("weak"); words only about other lessons say the item is about
    something else (None: not inherited) - an invitation to join a network posted under "leaders show the way" is
    about networks. Words about the question's lesson that are outnumbered by words about another one back it up
    only weakly."""
    if not own:
        return "weak"
    lesson = lesson_of.get(question_theme, question_theme)
    per_lesson = Counter(lesson_of.get(t, t) for t in own)
    if not per_lesson[lesson]:
        return None
    return "strong" if per_lesson[lesson] == max(per_lesson.values()) else "weak"


def _applies(entry: dict, records: ChatRecords) -> bool:
    """A curated entry applies to its `source` report; without one, to the chat of 19 October 2022 only (the file
    was reviewed against that report: its question 5 is not a later chat's question 5); `source: "*"` to any
    report holding the item (core resources named by their slug recur across the series)."""
    wanted = entry.get("source")
    if wanted is None:
        return records.chat.slug == DEFAULT_CHAT
    return wanted == "*" or wanted == records.source_slug


DEFAULT_CHAT = "2022-10-19"


def _own_curation(records: ChatRecords) -> dict:
    """The chat's own reviewed themes (its report's curation file, resolved to its lines) in the shape of the
    shared file's entries, applying to this chat only."""
    out: dict[str, list[dict]] = {"questions": [], "items": []}
    for t in records.curated_themes:
        entry = {"themes": list(t.themes), "line": t.line, "reason": t.reason, "source": records.source_slug}
        if t.scope == "section":
            out["questions"].append({**entry, "question": t.question})
        elif t.scope == "question":
            out["items"].append({**entry, "question": t.question})
        elif t.scope == "resource":
            out["items"].append({**entry, "resource": t.resource})
        else:
            out["items"].append({**entry, "quote_line": t.quote_line})
    return out


def assignments(records: ChatRecords, thesaurus: Graph, curated: dict) -> tuple[list[Assignment], list[str]]:
    """Every theme assignment for one chat's quotes, questions and resources, plus warnings.

    `curated`: the shared reviewed file (kg/data/curated_themes.yaml); the chat's own curation comes with its
    records (`records.curated_themes`)."""
    chat_curation = _own_curation(records)
    curated = {
        "questions": [*curated["questions"], *chat_curation["questions"]],
        "items": [*curated["items"], *chat_curation["items"]],
    }
    slug = records.chat.slug
    known = {
        theme_slug(t)
        for t in thesaurus.subjects(RDF.type, None)
        if isinstance(t, URIRef) and str(t).startswith(str(QID) + "theme/")
    }
    patterns = label_patterns(thesaurus)
    lesson_of = _lesson_of(thesaurus)
    warnings: list[str] = []
    out: list[Assignment] = []

    def usable(themes: list[str], where: str) -> list[str]:
        for t in themes:
            if t not in known:
                warnings.append(f"{where}: curated theme {t!r} is not in the thesaurus")
        return [t for t in themes if t in known]

    def labelled(node: URIRef, text: str, line: int) -> set[str]:
        found = find_themes(text, patterns)
        for t, ev in found.items():
            out.append(Assignment(node, t, "label", line, matched_label=ev.label, context=ev.context))
        return set(found)

    def inherited(node: URIRef, own: set[str], number: int, line: int) -> None:
        via = iris.question(slug, number)
        for t in question_themes.get(number, []):
            strength = inherit(t, own, lesson_of)
            if strength is not None:
                out.append(Assignment(node, t, "question", line, via_question=via, weak=strength == "weak"))

    question_themes: dict[int, list[str]] = {}
    for entry in curated["questions"]:
        if not _applies(entry, records) or entry.get("source") == "*":
            continue
        where = f"curated_themes.yaml question {entry['question']} (line {entry.get('line')})"
        question_themes[int(entry["question"])] = usable(list(entry["themes"]), where)
        if int(entry["question"]) in {q.number for q in records.questions}:
            node = iris.question(slug, int(entry["question"]))
            for t in question_themes[int(entry["question"])]:
                out.append(Assignment(node, t, "curated", int(entry["line"]), note=str(entry["reason"])))

    for q in records.questions:
        own = labelled(iris.question(slug, q.number), q.text or "", q.line)
        # a question no reviewer mapped (a later chat's) gives its section the themes its own words name
        question_themes.setdefault(q.number, sorted(own))

    for quote in records.quotes:
        node = iris.quote(slug, quote.number)
        own = labelled(node, quote.text, quote.line)
        if quote.question is not None:
            inherited(node, own, quote.question, quote.line)

    for res in records.resources:
        node = iris.resource(res.slug)
        # the type the report gives ("[Network]", "[Skill Sharing Timebank]") is part of what it says about it
        text = " ".join(x for x in [res.type, res.title or res.label, res.description] if x)
        own = labelled(node, text, res.line)
        for line in res.discussed_at:
            for q in records.questions:
                if q.section_start <= line <= q.section_end:
                    inherited(node, own, q.number, res.line)

    quotes_by_line = {q.line: q for q in records.quotes}
    resource_slugs = {r.slug for r in records.resources}
    question_numbers = {q.number for q in records.questions}
    for entry in curated["items"]:
        if not _applies(entry, records):
            continue
        line, note = int(entry["line"]), str(entry["reason"])
        target: URIRef | None = None
        if "resource" in entry and entry["resource"] in resource_slugs:
            target = iris.resource(entry["resource"])
            if entry.get("source") == "*":  # true in every report: recorded at the resource's line in this one
                line = next(r.line for r in records.resources if r.slug == entry["resource"])
        elif entry.get("source") == "*":
            continue  # an entry for the whole series names an item this report need not hold
        elif "quote_line" in entry and int(entry["quote_line"]) in quotes_by_line:
            target = iris.quote(slug, quotes_by_line[int(entry["quote_line"])].number)
        elif "question" in entry and int(entry["question"]) in question_numbers:
            target = iris.question(slug, int(entry["question"]))
        if target is None:
            warnings.append(f"curated_themes.yaml line-{line} item {entry!r} matches no record")
            continue
        for t in usable(list(entry["themes"]), f"curated_themes.yaml item at line {line}"):
            out.append(Assignment(target, t, "curated", line, note=note))

    # The last resort, weak: an item whose words, question and curation give it no theme was said in a chat about
    # the topic the chat's title names ("How to build improvement capability ...").
    chat_topic = find_themes(records.chat.title, patterns)
    themed_so_far = {a.subject for a in out}
    items = [(iris.question(slug, q.number), q.line) for q in records.questions]
    items += [(iris.quote(slug, q.number), q.line) for q in records.quotes]
    items += [(iris.resource(r.slug), r.line) for r in records.resources]
    for item, line in items:
        if item not in themed_so_far:
            for t, ev in chat_topic.items():
                out.append(
                    Assignment(
                        item,
                        t,
                        "chat",
                        line,
                        matched_label=ev.label,
                        weak=True,
                        context=f"the chat's title: {records.chat.title}",
                    )
                )

    best: dict[tuple[URIRef, str], Assignment] = {}
    for a in out:
        key = (a.subject, a.theme_slug)
        if key not in best or _preference(a) < _preference(best[key]):
            best[key] = a
    chosen = [best[k] for k in sorted(best)]

    themed = {a.subject for a in chosen}
    for item, _ in items:
        if item not in themed:
            warnings.append(f"{item} has no theme (no label in its words, no question, no curated entry)")
    return chosen, warnings


def _preference(a: Assignment) -> tuple[bool, int]:
    """Strong evidence before weak, then label before question before curated."""
    return (a.weak, REASON_RANK[a.reason])


def add_assignments(graph: Graph, found: list[Assignment], source: URIRef) -> None:
    """Write `?x qi:hasTheme ?t` plus one `qi:ThemeAssignment` node recording why."""
    for a in found:
        theme = iris.theme(a.theme_slug)
        node = iris.theme_assignment(a.subject, a.theme_slug)
        graph.add((a.subject, QI.hasTheme, theme))
        graph.add((node, RDF.type, QI.ThemeAssignment))
        local = str(a.subject).removeprefix(str(QID))
        graph.add((node, RDFS.label, Literal(f"{a.theme_slug} for {local} ({a.reason})")))
        graph.add((node, PROV.wasDerivedFrom, source))
        graph.add((node, QI.sourceLine, Literal(a.line, datatype=XSD.integer)))
        graph.add((node, QI.assignedTo, a.subject))
        graph.add((node, QI.assignedTheme, theme))
        graph.add((node, QI.reason, Literal(a.reason)))
        if a.matched_label:
            graph.add((node, QI.matchedLabel, Literal(a.matched_label)))
        if a.via_question:
            graph.add((node, QI.viaQuestion, a.via_question))
        if a.note:
            graph.add((node, QI.note, Literal(a.note)))
        if a.context:
            graph.add((node, QI.matchedContext, Literal(a.context)))
        graph.add((node, QI.strength, Literal("weak" if a.weak else "strong")))


def tag_records(records: ChatRecords, graph: Graph, thesaurus: Graph, *, curated_path: Path | None = None) -> list[str]:
    """Tag one chat's items into its source graph; returns warnings (unknown themes, untagged items)."""
    found, warnings = assignments(records, thesaurus, load_curated(curated_path))
    add_assignments(graph, found, iris.source(records.source_slug))
    return warnings
