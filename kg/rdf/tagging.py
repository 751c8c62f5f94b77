"""Theme tagging with recorded reasons: why does this quote, question or resource have this theme?

Three reasons, in order of preference (one `qi:ThemeAssignment` per item and theme keeps the best):
- "label": a thesaurus label (pref/alt/hidden) occurs in the item's words (`qi:matchedLabel`, with the words
  around it in `qi:matchedContext`), unless a context rule (`CONTEXT_RULES`) says that occurrence means something
  else ("the communities we serve", "long story short"); phrase rules (`PHRASE_RULES`) find what a fixed label
  cannot (the verb "model", "you learn it by doing it", "with patients, not for them");
- "question": a quote (or a resource discussed) in a question's section inherits that question's themes
  (`qi:viaQuestion`), but not when its own words are all about other lessons;
- "curated": a reviewed entry of `kg/data/curated_themes.yaml`, with its source line and reason (`qi:note`);
- "chat": the last resort for an item nothing else tags (and whose theme words no context rule explained away):
  the theme the chat's title names - the theme above them when it names several of one branch - always weak.
A question no reviewer mapped (a later chat's) passes on the themes its own words name.
Every assignment says how strong its evidence is (`qi:strength`): "weak" for a theme inherited from a question's
section that the item's own words do not back up (or back up only through another theme of the same lesson), for
a label found only where it names the setting (`WEAK_RULES`: "at the huddle board"), and for the chat's topic; the
API ranks weak evidence last. The rules were written from judged samples of invented later chats
(bench/judged/); bench/results/tagging.md has their figures, blind and after.
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

    __slots__ = ("source", "words", "stems", "_regex")

    def __init__(self, words: list[str], word_forms: bool = False) -> None:
        self.source = r"(?<![\w])" + _SEPARATOR.join(re.escape(w) for w in words) + r"(?![\w])"
        self.words = tuple(w.lower() for w in words) if all(w.isascii() for w in words) else None
        self.stems = label_stems(" ".join(words)) if word_forms else None
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


# Words that only link a multiword label's content words: "patients as partners" is also "partnering with
# patients", "patient safety" also "the safety of patients". Other small words ("to", "on", "is", "we") change
# what the words say ("ward to board" is not "the board on the ward") and break a match, as negations do.
LINKING_WORDS = frozenset("a an the and of as with for our their your its my his her this that".split())
# The linking words that let two content words swap places ("partnership with patients" ~ "patient partners").
SWAPPING_WORDS = frozenset("of as with for".split())
_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


_PLURAL_ES = ("sses", "xes", "ches", "shes", "zes")


@functools.lru_cache(maxsize=65536)
def word_stem(word: str) -> str:
    """A word's key for finding a label in its other inflections: possessive and plural -s, the -ship and -ing
    forms of one noun (partner, partners, partnership, partnering are all 'partner') and the -ness noun of an
    adjective (ready, readiness). Not a stemmer's stem: a
    stemmer also joins derivations that are other words in QI talk ("the patient involved" is not patient
    involvement, "informed" not informal, "directly" not direction, "relatives" not relationships, "quickly" not
    quick), so those stay apart."""
    w = word.lower().replace("\u2019", "'").removesuffix("'s").removesuffix("'")
    for suffix in ("ships", "ship"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    if w.endswith("iness") and len(w) >= 8:  # readiness is being ready
        w = w[:-5] + "y"
    elif w.endswith("ness") and len(w) >= 8:  # openness, awareness
        w = w[:-4]
    elif w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(_PLURAL_ES):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        w = w[:-1]
    if w.endswith("ing") and len(w) >= 7:
        w = w[:-3]
        if w[-1] == w[-2] and w[-1] not in "lsz":  # running, planning: the doubled consonant
            w = w[:-1]
    return w[:-1] if w.endswith("e") and len(w) > 4 else w  # make / making, share / sharing


@dataclass(frozen=True)
class StemLabel:
    """A multiword label as its word forms are matched: the stems of its content words in order, and whether
    they may swap places (two content words joined by nothing or by 'of', 'as', 'with', 'for'), and whether
    linking words stand between them (a compound, "keep learning", is not "keep a learning log")."""

    stems: tuple[str, ...]
    swappable: bool
    linked: bool = False


def label_stems(label: str) -> StemLabel | None:
    """How a label is matched in other word forms, when it has two or three content words joined only by linking
    words; None for a single word (its word forms are other words often enough), a label with digits, or one that
    starts or ends with a small word or has one that is not a linking word ("what matters to you", "board to
    ward": the small words carry the sense)."""
    if re.search(r"\d", label):
        return None
    words = [w.lower() for w in re.split(r"[\s\-\u2010\u2011\u2013_/]+", label) if w]
    if not all(_TOKEN.fullmatch(w) for w in words):
        return None
    content = [w for w in words if w not in LINKING_WORDS]
    if not 2 <= len(content) <= 3 or words[0] in LINKING_WORDS or words[-1] in LINKING_WORDS:
        return None
    if any(len(w) < 3 and w not in LINKING_WORDS for w in words) or any(w in _SMALL_WORDS for w in content):
        return None
    stems = tuple(word_stem(w) for w in content)
    if len(set(stems)) != len(stems) or any(len(x) < 3 for x in stems):
        return None
    between = set(words) - set(content)
    return StemLabel(stems, len(content) == 2 and between <= SWAPPING_WORDS, bool(between))


# Small words that are not linking words: a label holding one is matched as written only.
_SMALL_WORDS = frozenset(
    "to in on at by from into is are was were be been being we they you i us them who which what how why when "
    "not no never one it".split()
)


Word = tuple[str, int, int, bool, bool]


def _content_runs(text: str) -> list[list[Word]]:
    """The text's words as runs of (stem, start, end, swapping, linked) for content words, where only linking words
    stand between two of a run (`linked`: one stands just before this word; `swapping`: one of `SWAPPING_WORDS`);
    any other word, punctuation or digit ends a run."""
    runs: list[list[Word]] = []
    run: list[Word] = []
    last_end, swap, linked = 0, False, False
    for m in _TOKEN.finditer(text):
        word = m.group(0).lower()
        gap = text[last_end : m.start()]
        if gap.strip() and run:  # punctuation, digits or a hashtag between: the run ends
            runs.append(run)
            run, swap, linked = [], False, False
        last_end = m.end()
        if word in LINKING_WORDS:
            swap, linked = swap or word in SWAPPING_WORDS, True
            continue
        if word in _SMALL_WORDS:
            if run:
                runs.append(run)
            run, swap, linked = [], False, False
            continue
        run.append((word_stem(word), m.start(), m.end(), swap, linked))
        swap, linked = False, False
    if run:
        runs.append(run)
    return runs


def stem_match(label: StemLabel, runs: list[list[Word]]) -> tuple[int, int] | None:
    """Where a label's content words stand next to each other in some word form, in its order or, for a
    swappable label, the other way round across 'of' / 'with' / 'for' / 'as' ("partnership with patients" for
    "patients as partners", "the safety of patients" for "patient safety"): the span, or None."""
    n = len(label.stems)
    for run in runs:
        for i in range(len(run) - n + 1):
            window = run[i : i + n]
            got = tuple(w[0] for w in window)
            in_order = got == label.stems and (label.linked or not any(w[4] for w in window[1:]))
            if in_order or (label.swappable and got == label.stems[::-1] and window[1][3]):
                return window[0][1], window[-1][2]
    return None


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


class Patterns(list):
    """`label_patterns`' list, which keeps where its word-form labels are by the stem of their first content word:
    every text is tried against the few whose first stem it holds, not against every label."""

    @functools.cached_property
    def by_first_stem(self) -> dict[str, tuple[int, ...]]:
        return _index_stems(self)

    @functools.cached_property
    def slugs(self) -> frozenset[str]:
        return frozenset(slug for _, _, slug in self)


def _index_stems(patterns: list[tuple[LabelPattern, str, str]]) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for i, (pattern, _, _) in enumerate(patterns):
        if pattern.stems is not None:
            out.setdefault(pattern.stems.stems[0], []).append(i)
    return {k: tuple(v) for k, v in out.items()}


def _by_first_stem(patterns: list[tuple[LabelPattern, str, str]]) -> dict[str, tuple[int, ...]]:
    return patterns.by_first_stem if isinstance(patterns, Patterns) else _index_stems(patterns)


def label_patterns(thesaurus: Graph) -> list[tuple[LabelPattern, str, str]]:
    """(pattern, label, theme slug) for every thesaurus label, longest label first.

    Case-insensitive, on word boundaries, and tolerant of separators: 'hoshin kanri' also finds 'hoshin-kanri' and
    '#hoshinkanri', 'go and see' finds 'go-and-see'. A preferred or alternative label of two or three content words
    is also found in other word forms (`label_stems`); a hidden label, itself a variant written out, only as written.
    """
    found: set[tuple[str, str]] = set()
    named: set[tuple[str, str]] = set()
    for prop, kind in LABEL_KINDS.items():
        for theme, written in thesaurus.subject_objects(prop):
            if isinstance(theme, URIRef) and str(theme).startswith(str(QID) + "theme/"):
                found.add((str(written).strip(), theme_slug(theme)))
                if kind != "hidden":
                    named.add((str(written).strip(), theme_slug(theme)))
    return Patterns(_patterns(frozenset(found), frozenset(named)))


@functools.lru_cache(maxsize=8)
def _patterns(
    found: frozenset[tuple[str, str]], named: frozenset[tuple[str, str]] = frozenset()
) -> tuple[tuple[LabelPattern, str, str], ...]:
    """The patterns of a set of (label, slug), made once per process for each thesaurus (every chat of a build is
    tagged with the same one: making them per chat was a fifth of building 50 chats); those in `named` are also
    matched in other word forms."""
    out = []
    for label, slug in sorted(found, key=lambda x: (-len(x[0]), x[0].lower(), x[1])):
        words = [w for w in re.split(r"[\s\-\u2010\u2011\u2013_]+", label) if w]
        if not words:
            continue
        out.append((LabelPattern(words, (label, slug) in named), label, slug))
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
# Who counts as a leader in the phrase rules below ("our medical director sat next to me on the course").
_LEADER = (
    r"\b(?:(?:medical\s+|clinical\s+|nursing\s+|managing\s+)?directors?|leaders?|managers?|executives?|CEOs?|"
    r"chief\s+(?:exec\w*|nurse|operating officer|medical officer)|board members?|consultants?|"
    r"senior\s+(?:leaders?|managers?|nurses?|doctors?|staff|team))"
)
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
    _rule(
        "training-access",
        _LEADER + r"\s+(?:who\s+)?(?:do|did|does|complete[sd]?|attend(?:s|ed)?|took|take|sat|sits|"
        r"join(?:s|ed)?|went on)\s+(?:[\w-]+\s+){0,6}(?:training|course|programme)\b",
        "leaders doing the training themselves is about leaders, not access to training for everyone",
    ),
    # Idioms and everyday senses of label words (found on invented later chats; each is how English uses the words)
    _rule(
        "narrative",
        r"\b(?:(?:to\s+)?(?:cut\s+)?(?:a\s+)?long story short|(?:for|read|see|get)\s+the\s+(?:whole|full|rest of the)"
        r"\s+story|(?:the\s+)?same old story|story of my life)\b",
        "'long story short' and 'for the whole story' are figures of speech, not storytelling",
    ),
    _rule(
        "golden-thread",
        r"\b(?:a|this|my|our|long|short|quick|mini)\s+thread\b(?=\s*(?:\U0001f9f5|\(?\d+\s*/|below|pinned|on my|"
        r"about my|of tweets|here))|\bthread\s*\U0001f9f5|\b(?:read|see|follow|check out|in) (?:the|this|my|our) "
        r"thread\b",
        "'a thread \U0001f9f5 on my year' is a series of tweets, not the golden thread",
    ),
    _rule(
        "strategic-priorities",
        r"(?:\b(?:not|never|no longer)|n" + _APOS + r"t)\s+(?:just\s+|only\s+|simply\s+)?an?\s+(?:\w+\s+)?priority\b",
        "'relationships aren't a priority, they're a prerequisite' denies a priority",
    ),
    _rule(
        "strategic-priorities",
        r"\b(?:my|our)\s+(?:top\s+|first\s+|main\s+|only\s+)?priority\s+(?:tonight|today|this (?:evening|morning|"
        r"afternoon|weekend)|right now|after this)\b",
        "'my top priority tonight is a cup of tea' is one's own evening, not an organisation's priorities",
    ),
    _rule(
        "data-and-metrics",
        r"\b(?:infection (?:control|prevention)|IPC|control|precautionary|protective|preventive|preventative|"
        r"security|emergency|extra|additional|cost[- ]cutting|austerity|drastic|special|interim|temporary)"
        r"\s+measures\b",
        "'infection control measures' are actions taken, not measurement",
    ),
    _rule(
        "data-and-metrics",
        r"\b(?:data protection|data entry|mobile data|data roaming|data allowance|data breach(?:es)?)\b",
        "'data protection' forms and 'mobile data' are not measurement for improvement",
    ),
    _rule(
        "data-and-metrics",
        r"\b(?:in (?:no small|large|some|good|equal) measure|for good measure|(?:took|take|taking) the measure of)\b",
        "'in no small measure' is a figure of speech",
    ),
    _rule(
        "regular-rhythm",
        r"\b(?:heart|cardiac|sinus|abnormal|irregular|heart's)\s+rhythms?\b|\brhythm\s+(?:strip|monitor\w*|disturbance)|"
        r"\bin a heartbeat\b",
        "'heart rhythm monitoring' is clinical and 'in a heartbeat' means without hesitation",
    ),
    _rule(
        "root-cause-analysis",
        r"\bask(?:s|ed|ing)?\s+why\s+(?:we|they|you|I)\s+(?:are|were|am|is)\s+(?:even\s+|still\s+)?doing\s+"
        r"(?:it|this|that)\b",
        "'we ask why we are doing it' questions a project's purpose; no causes are looked for",
    ),
    _rule(
        "reflection",
        r"\b(?:figures|numbers|data|results|scores|rates|statistics|stats|metrics|prices|charts?|graphs?|trends?|"
        r"findings|costs)\s+(?:\w+\s+)?reflects?\b",
        "'our figures reflect the winter pressures' means 'show', not reflection",
    ),
    _rule(
        "relationships-prerequisite",
        r"\brelationships?\s+between\s+(?!(?:the\s+|our\s+|their\s+)?(?:staff|patients?|teams?|colleagues|leaders?|"
        r"managers?|clinicians?|nurses?|doctors?|people|us|them|you|carers?|families|board|departments?|"
        r"organi[sz]ations?|services|partners|providers|commissioners|executives?|front-?line|researchers|"
        r"practitioners|those|we|professionals|individuals|humans|primary|secondary|health|social|hospitals?|"
        r"wards?|system|sectors?)\b)(?:[\w-]+\s+){1,5}and\b",
        "'the relationship between length of stay and readmissions' is a statistical relation, not between people",
    ),
    _rule(
        "respect",
        r"\b(?:with respect to|in respect of|in (?:this|that|one|some|many|every|all|other) respects?)\b",
        "'with respect to the rota' means 'about the rota'",
    ),
    _rule(
        "coaching",
        r"\b(?:on|by|off|the|a)\s+coach\s+(?:home|back|trip|journey|station|ride|to|from|party)\b|"
        r"\bcoach\s+(?:trip|journey|station|ride|party|driver)s?\b|\bby coach\b",
        "'on the coach home' is a bus",
    ),
    _rule(
        "patience-and-commitment",
        r"\b(?:thanks?|thank you|grateful|appreciate\w*)\s+(?:\w+\s+){0,2}(?:for\s+)?(?:your|the|everyone"
        + _APOS
        + r"s|all your)\s+patience\b",
        "'thanks for your patience' is politeness",
    ),
    _rule(
        "role-modelling",
        r"\b(?:financial|demand|capacity|statistical|data|predictive|computer|mathematical|simulation|economic|"
        r"queue|queueing|queuing|workforce|cost|risk|business)\s+model(?:s|ling|led|ing)?\b|\bmodel(?:s|led|ling)?\s+"
        r"(?:the\s+|our\s+)?(?:demand|capacity|flow|data|costs?|finances?|impact|scenarios?|numbers|risks?|spread|"
        r"beds?|activity|workforce)\b",
        "'we used a spreadsheet to model the demand' and 'financial modelling' are forecasting",
    ),
    _rule(
        "genba",
        r"\bgo(?:ing)?\s+(?:and\s+)?see\s+(?:the|a|an)\s+(?:\w+\s+){0,2}(?:film|movie|show|play|match|game|concert|"
        r"gig|musical|panto|exhibition)\b",
        "'go see the Barbie film' is an outing",
    ),
    _rule(
        "visible-leadership",
        r"\bwalk(?:ed|s|ing)?\s+around\s+(?:the\s+)?(?:lake|park|block|garden|gardens|town|village|shops|field)\b",
        "'a walk around the lake at lunch' is a stroll",
    ),
    _rule(
        "flattening-hierarchy",
        r"\bhierarch(?:y|ies)\s+of\s+(?:risk\s+)?(?:controls?|needs|evidence|hazard controls?)\b",
        "the hierarchy of controls (infection prevention, safety) and of needs or evidence are models, not rank",
    ),
    _rule(
        "psychological-safety",
        r"\bvulnerable\s+(?:\w+\s+)?(?:patients?|people|adults?|children|groups?|populations?|residents|clients|"
        r"families|communities|users)\b",
        "'frail and vulnerable patients' are people at risk of harm, not vulnerability as openness",
    ),
    _rule(
        "embed-qi-routines",
        r"\bembedded\s+(?:\w+\s+)?(?:video|link|tweet|image|content|file|player|map|form|below)s?\b",
        "an 'embedded video' is part of a web page",
    ),
]

CONTEXT_RULES += [
    _rule(
        "teamwork",
        r"\bone team\s+(?:member|leader|manager|meeting|lead|of)s?\b",
        "'one team member brought cake' is a colleague, not 'one team'",
    ),
    _rule(
        "celebrating-success",
        r"\bcelebrat\w*\s+(?:(?:an?|my|our|his|her|their|the|a\s+colleague" + _APOS + r"s)\s+)?(?:\w+\s+)?(?:christmas|"
        r"birthdays?|new year|eid|diwali|hanukkah|anniversar(?:y|ies)|retirements?|weddings?|holidays?|bank holiday|"
        r"halloween|easter)\b",
        "'we celebrate Christmas early' is a party, not celebrating improvement",
    ),
    _rule("influencing", r"\bunder the influence\b", "'under the influence of a strong coffee' is a joke"),
    _rule(
        "listening",
        r"\blisten(?:ing)?\s+(?:to\s+)?(?:the|this|our|my|a|an|her|his|their)\s+(?:\w+\s+){0,2}(?:podcasts?|episodes?|"
        r"recordings?|interviews?|radio|songs?|music|audio|webinars?|playlist)\b|\blisten (?:here|now|again|back)\b",
        "'listen to the podcast' recommends a recording, not listening to others",
    ),
    _rule(
        "empowerment",
        r"\bpoint[- ]of[- ]care\s+(?:testing|tests?|devices?|ultrasound|diagnostics|analy[sz]ers?)\b",
        "'point of care testing' is a kind of laboratory test",
    ),
    _rule(
        "networks-and-communities",
        r"\b(?:wi-?fi|wifi|computer|IT|rail|mobile|phone|4G|5G|broadband|wireless|data|road|bus|train)\s+networks?\b|"
        r"\bnetwork\s+(?:went|was|is|goes|kept)\s+(?:down|off|slow)\b|\bnetwork rail\b",
        "the 'Wi-Fi network on our ward went down' is a computer network",
    ),
    _rule(
        "building-on-strengths",
        r"\bbaseline\s+(?:observations?|obs|bloods|vital signs|vitals|ECGs?|weights?|bp|blood pressure|scans?)\b",
        "'baseline observations' are a patient's vital signs",
    ),
    _rule(
        "staff-wellbeing",
        r"\bexhausted\s+(?:all|every|each|the|our|their)\s+(?:\w+\s+)?(?:options?|avenues?|possibilit(?:y|ies)|routes?|"
        r"ideas?|resources?|budgets?|funds?|supply|supplies|stock)\b",
        "'we exhausted every option' means used up, not tired staff",
    ),
    _rule(
        "kindness-and-compassion",
        r"\bcompassion fatigue\b",
        "'compassion fatigue' is the exhaustion of carers: staff wellbeing",
    ),
    # Everyday-practice words (the thesaurus's last section) that English also uses in other senses.
    _rule(
        "patient-flow",
        r"\b(?:cash|blood|air|urine|information|data|traffic|money|energy|conversation(?:al)?|work|lava|river|tidal)"
        r"[\s-]*flows?\b",
        "'cash flow', 'blood flow', 'information flow' are not patients moving through a pathway",
    ),
    _rule(
        "patient-flow",
        r"\bflows?\s+of\s+(?:the\s+)?(?:\w+\s+)?(?:ideas?|information|conversations?|thoughts?|communication|energy|"
        r"money|cash|data|words|chat|discussion|tweets?|work)\b",
        "'the flow of ideas', 'the flow of the chat' is the course of a conversation or of information",
    ),
    _rule(
        "patient-flow",
        r"\b(?:go(?:es|ing)?|went|move[sd]?|moving)\s+with\s+the\s+flow\b|\bflow\s*(?:charts?|diagrams?|state|"
        r"cytometry|rates?|meters?)\b|\bin\s+(?:the|a|my|your|full)\s+flow\b(?!\s+of\s+patients)|"
        r"\b(?:get|got|keep|kept)\s+(?:the\s+)?(?:conversation|chat|ideas?|words?|juices)\s+flow\w*",
        "'go with the flow', a flow chart, 'in the flow' of one's own work",
    ),
    _rule(
        "patient-flow",
        r"\b(?:wound|nasal|vaginal|ear|eye|nipple|purulent|electrical|static|penile|rectal|green|yellow|mucus|"
        r"mucous|watery|bloody|foul[\s-]*smelling)\s+discharge\b|\bdischarge\s+from\s+(?:the\s+|a\s+|an\s+|her\s+|"
        r"his\s+|their\s+)?(?:wound|nose|ear|eye|nipple|army|military|navy|forces|service|armed forces)\b",
        "a wound's or the nose's discharge, a discharge from the army: not a patient leaving hospital",
    ),
    _rule(
        "patient-flow",
        r"\bdischarg\w*\s+(?:\w+\s+){0,2}(?:duty|duties|responsibilit\w*|obligations?|debts?|functions?|"
        r"firearms?|weapons?|batter(?:y|ies)|loans?)\b",
        "'discharge our duties' means carry them out",
    ),
    _rule("patient-flow", r"\blos\s+(?:angeles|alamos|lobos)\b", "'Los Angeles' is a place, not length of stay"),
    _rule(
        "patient-flow",
        r"\bthroughput\s+of\s+(?:the\s+)?(?:network|server|data|database|sequenc\w*|analy[sz]ers?)\b",
        "the throughput of a network or a lab analyser is a machine's",
    ),
    _rule(
        "lean-and-waste",
        r"\blean\s+(?:on|in|into|back|forward|over|towards?|against|heavily|out|across)\b|"
        r"\blean\s+(?:times|years|months|spell|period|patch|budgets?|meat|body|muscle|mass|diet|season|staff(?:ing)?)\b|"
        r"\b(?:a|the)\s+lean\s+(?:few|couple)\b",
        "'lean on each other', 'lean times', 'lean budgets': leaning or thin, not lean thinking",
    ),
    _rule(
        "lean-and-waste",
        r"\bwaste\s+(?:of\s+(?:\w+\s+)?(?:time|money|effort|energy|breath|resources?|space|paper|talent|a\s+day)|"
        r"bins?|disposal|management|collection|segregation|products?|water|streams?\s+(?:of|from)\s+(?:plastic|clinical))\b|"
        r"\b(?:clinical|food|plastic|household|hazardous|sharps|medical|general|recycl\w*|landfill|nuclear|human|"
        r"toxic|pharmaceutical|packaging|offensive|anatomical|paper)\s+waste\b|\bgo(?:es|ing)?\s+to\s+waste\b|"
        r"\bwent\s+to\s+waste\b",
        "'a waste of time', 'clinical waste', 'go to waste' are everyday senses, not the wastes of a process",
    ),
    _rule(
        "health-equity",
        r"\b(?:private|home|brand|negative|shareholders?|sweat)\s+equity\b|\bequity\s+(?:stakes?|shares?|release|"
        r"investors?|funds?|firms?|partners|markets?|capital)\b",
        "'private equity', 'an equity stake' are finance, not fairness in health",
    ),
    _rule(
        "sustaining-improvement",
        r"\b(?:environmental(?:ly)?|financial(?:ly)?|green|carbon|climate|planetary|fiscal|economic(?:al)?|"
        r"ecological)\s+sustainab\w*|\bsustainability\s+(?:and|&)\s+transformation\b|"
        r"\bsustainability\s+(?:of\s+(?:the\s+)?)?(?:and\s+)?(?:net[\s-]*zero|climate|carbon|green|environment\w*|"
        r"finances?|budgets?|planet|NHS\s+finances|workforce)\b|\bsustainability\s+(?:leads?|managers?|officers?|"
        r"team|plans?\s+for\s+(?:the\s+)?(?:estate|planet))\b",
        "environmental or financial sustainability, Sustainability and Transformation Partnerships: not keeping a "
        "change in place",
    ),
]

# Phrases in which a label names only the setting or a bystander of what is said: weak evidence, ranked last.
WEAK_RULES: list[Rule] = [
    _rule(
        "huddles-and-focus-boards",
        r"\b(?:at|in|by|beside|next to|near|around)\s+the\s+(?:ward\s+|team\s+|daily\s+|morning\s+|safety\s+)?"
        r"huddle(?:\s+boards?)?\b",
        "'pin it by the huddle board', 'first names for everyone at the huddle': the huddle is only where it happens",
    ),
    _rule(
        "data-and-metrics",
        r"\b(?:no|not\s+(?:as|on|in|from)\s+(?:a|an|the|any|our)|rather\s+than\s+(?:a|an|the|any))\s+(?:\w+\s+)?"
        r"(?:dashboards?|spreadsheets?|charts?|graphs?|reports?|KPIs?|metrics?|measures?|numbers)\b"
        r"(?!\s+(?:of|for|on|about)\b)",
        "'things no dashboard shows you', 'not as a bar chart': a measure named only to say what it misses",
    ),
    _rule(
        "data-and-metrics",
        r"\bdata\s+(?:analysts?|scientists?|teams?|managers?|officers?|leads?)\b",
        "'a data analyst' is a colleague: the words need not be about using data",
    ),
    _rule(
        "patient-flow",
        r"\b(?:discharge|flow)\s+(?:redesign\s+|improvement\s+|planning\s+)?(?:groups?|meetings?|teams?|lounges?|"
        r"co-?ordinators?|nurses?|leads?|managers?|facilitators?)\b",
        "'the discharge team', 'the discharge lounge', 'sat on the discharge group': who or where, not what is said",
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
    _rule(
        "learning-by-doing",
        r"\blearn(?:s|t|ed|ing)?\s+(?:\w+\s+){0,2}by\s+(?:doing|trying|practi[sc]ing)\b",
        "'you learn it by doing it', 'one thing you learnt by doing'",
    ),
    _rule(
        "reflection",
        r"\bwhat\s+(?:did|have|had)\s+(?:we|you|they|I)\s+(?:just\s+)?(?:learn|learnt|learned)\b|"
        r"\bask(?:s|ed|ing)?\s+what\s+(?:we|you|they|I)\s+(?:have\s+)?(?:learn|learnt|learned)\b",
        "stopping to ask 'what did we learn?' is reflection",
    ),
    _rule(
        "co-production",
        r"\b(?:with|alongside)\s+(?:the\s+)?(?:patients?|service users|carers|families|citizens|communities|"
        r"people who use (?:our|the) services)(?:\s+and\s+(?:carers|families|patients|service users))?"
        r"\s*,?\s+not\s+(?:just\s+)?(?:for|to|at)\s+them\b",
        "improving 'with patients and carers, not for them' is co-production",
    ),
    _rule(
        "leaders-show-the-way",
        r"\b(?:(?:a|the)\s+)?leader(?:s|s" + _APOS + r"|" + _APOS + r"s)?\s+(?:job|role|task)\s+is\b|"
        r"\b(?:role|job)\s+of\s+(?:the\s+)?leaders?\b|\bwhat\s+(?:should|can|must|do)\s+leaders\s+"
        r"(?:do|change|stop|start)\b",
        "talk about what a leader's job is: the leader's part in improvement",
    ),
    _rule(
        "leaders-train-alongside",
        _LEADER + r"\s+(?:who\s+)?(?:do|did|does|complete[sd]?|attend(?:s|ed)?|took|take|sat|sits|"
        r"join(?:s|ed)?|went on)\s+(?:[\w-]+\s+){0,6}(?:training|course|programme|cohort)\b",
        "leaders doing the improvement training or course themselves",
    ),
    _rule(
        "psychological-safety",
        r"\badmit(?:s|ting|ted)?\s+(?:what|when|that)\s+(?:they|we|you|I|he|she)\s+(?:do not|don"
        + _APOS
        + r"t|did not|didn"
        + _APOS
        + r"t|does not|doesn"
        + _APOS
        + r"t)\s+know\b",
        "leaders admitting what they do not know (the vulnerability that makes it safe to speak)",
    ),
    _rule(
        "visible-leadership",
        _LEADER + r"\s+(?:who\s+|that\s+|I know\s+|we have\s+)?(?:turn(?:s|ed|ing)?\s+up|show(?:s|ed|ing)?\s+up|"
        r"come(?:s)?\s+(?:down\s+)?to\s+the\s+(?:wards?|genba|gemba|floor|front\s?line|shop floor|units?|department)|"
        r"walk(?:s|ed)?\s+the\s+(?:wards?|corridors|floor|genba|gemba))\b",
        "leaders turning up, coming to the ward, walking the corridors: present where the work is",
    ),
    _rule(
        "role-modelling",
        r"\b(?:seen|see|saw|seeing|watch(?:ed|ing)?)\s+(?:someone|a|their|the|our|a\s+very)\s+(?:senior|leader|boss|"
        r"consultant|manager|director|chief)\w*\s+(?:\w+\s+)?(?:admit|say|do|try|fail|own|go first)\w*\b|"
        + _LEADER
        + r"\s+(?:who|that)\s+(?:do|try|run|use|practi[sc]e|complete)\s+(?:[\w-]+\s+){0,4}themselves\b",
        "people seeing a senior do it first, leaders who do it themselves: leading by example",
    ),
    _rule(
        "engagement-and-buy-in",
        r"\b(?:the\s+)?(?:team|teams|staff|everyone|ward)\s+own(?:s|ed)?\s+(?:it|them|the\s+(?:board|problem|"
        r"change|work|project|improvement))\b",
        "'the board works because the team owns it': ownership",
    ),
    _rule(
        "visual-management",
        r"\b(?:on|up on|onto)\s+the\s+(?:board|wall|whiteboard)\s+(?:so|where)\s+(?:that\s+)?(?:every\w*|all|the team|"
        r"people|staff|they|we)\s+(?:\w+\s+)?(?:can|could|will)\s+see\b",
        "putting it on the board where everyone can see it",
    ),
    _rule(
        "flattening-hierarchy",
        r"\b(?:status|rank|ranks|titles?|job titles?|grades?|egos?)\s+(?:stays?|stay|is left|are left|left|leave)\s+"
        r"at\s+the\s+door\b|\bleave\s+(?:your|their|our)\s+(?:status|rank|title|grade|ego)\s+at\s+the\s+door\b|"
        r"\bfirst[- ]name\s+terms\b|\bfirst\s+names\s+for\s+everyone\b",
        "status left at the door, first names for everyone",
    ),
    _rule(
        "flattening-hierarchy",
        r"\bjunior\s+(?:[\w-]+\s+){0,6}(?:stop|challenge|question|correct|speak up to)\w*\s+(?:a|the|any)\s+"
        r"(?:more\s+)?senior\b",
        "a junior able to stop or challenge a senior",
    ),
    _rule(
        "building-trust",
        r"\btrust(?:s|ed|ing)?\s+(?:each other|one another|the team|their teams?|our teams?|colleagues|frontline|"
        r"front-line)\b|\b(?:do not|don"
        + _APOS
        + r"t|does not|doesn"
        + _APOS
        + r"t|did not|didn"
        + _APOS
        + r"t)\s+trust\b",
        "trusting each other (or not); 'trust' alone is mostly an NHS trust",
    ),
    _rule(
        "golden-thread",
        r"\blink(?:s|ed|ing)?\s+(?:[\w-]+\s+){0,4}to\s+(?:the|our|their|its|a|one of (?:our|the|its|their|\w+))\s+"
        r"(?:[\w'\u2019-]+\s+){0,2}(?:strategy|strategic|goals?|priorities|objectives|purpose)\b",
        "work linked to the organisation's strategy, goals or priorities",
    ),
    _rule(
        "values-based-culture",
        r"\b(?:my|our|one|a)\s+(?:core\s+|personal\s+|team\s+)?value\s+(?:is|I|we|you)\b",
        "'a value you try to live at work', 'my value is...': the singular of the label 'values'",
    ),
    _rule(
        "honesty-and-humility",
        r"\b(?:is|are|means|about|by|of|value)\s+being honest\b|\b(?:stay|staying|keep|keeping)\s+honest\b|"
        r"\bhonest\s+(?:about|with|conversations?|feedback|reflection)\b",
        "'being honest about what I don't know'; 'to be honest' and 'being honest, I think' are figures of speech",
    ),
    _rule(
        "psychological-safety",
        r"\b(?:afraid|scared|frightened|fearful|nervous)\s+(?:to|of)\s+(?:talk|speak|say|raise|admit|ask|challenge|"
        r"try|fail|report|mak(?:e|ing) mistakes)\w*\b",
        "people 'afraid to talk about' a problem: the want of psychological safety",
    ),
    _rule(
        "psychological-safety",
        r"\b(?:talk\w*|spoke|speak\w*|admit\w*|shar\w*|own\w*\s+up\s+to)\s+(?:about\s+)?(?:her|his|their|my|our)\s+own\s+"
        r"(?:mistakes?|errors?|failures?)\b",
        "a senior talking about her own mistake makes it safe for others",
    ),
    _rule(
        "root-cause-analysis",
        r"\bask(?:s|ed|ing)?\s+(?:the\s+team|the\s+staff|staff|them|people|everyone|the\s+front\s*line|the\s+ward)\s+"
        r"why\b",
        "'we asked the team why' before changing anything",
    ),
    _rule(
        "flattening-hierarchy",
        r"\bask(?:s|ed|ing)?\s+(?:\w+\s+)?what\s+(?:they|you|we|I|he|she)\s+(?:think|thinks|thought)\s+(?:first|before\s+(?:the\s+)?"
        r"(?:doctors?|consultants?|seniors?|managers?|leaders?|directors?|executives?|senior staff))\b",
        "the most junior asked what they think first, before the seniors",
    ),
    _rule(
        "accountability-for-behaviours",
        r"\b(?:scor|rat|review|check|evaluat)(?:e|es|ed|ing)?\s+(?:the|our|each|every)\s+meetings?\b(?!\s+(?:room|minutes|"
        r"papers|agenda|dates?))",
        "a team reviewing how its meeting went: behaviours reviewed like results (lesson 5)",
    ),
    _rule(
        "reflection",
        r"\b(?:scor|rat|review|check|evaluat)(?:e|es|ed|ing)?\s+(?:the|our|each|every)\s+meetings?\b(?!\s+(?:room|minutes|"
        r"papers|agenda|dates?))",
        "a team looking back at its own meeting: reflection built into meetings",
    ),
    _rule(
        "sharing-learning",
        r"\bshar(?:e|es|ed|ing)\s+(?:\w+\s+){0,2}(?:what\s+(?:worked|works|went wrong|didn"
        + _APOS
        + r"t|did not|failed|"
        r"we (?:learn|learnt|learned)|they (?:learn|learnt|learned))|(?:our|your|their|its)\s+(?:\w+\s+)?(?:failures?|"
        r"successes|mistakes|lessons|learning|ideas|stories))\b",
        "sharing what worked, what failed, one's failures or lessons with others",
    ),
    _rule(
        "research-into-practice",
        r"\b(?:research|researchers|findings|evidence|evaluations?)\s+(?:\w+\s+){0,4}(?:reach(?:es|ed)?|(?:get|gets|got|getting)\s+to|"
        r"into)\s+(?:practice|patients|the\s+(?:front\s?line|wards?|clinic|bedside))\b",
        "research findings reaching patients and practice",
    ),
    _rule(
        "building-trust",
        r"\btrust\s+between\s+(?:the\s+)?(?:\w+\s+)?(?:organi[sz]ations|teams|people|colleagues|partners|services|us|"
        r"staff|professions|sectors|leaders|hospitals|trusts|practices|wards|systems|agencies|providers|boards)\b",
        "'trust between organisations'",
    ),
    _rule(
        "listening",
        r"(?:\b(?:being|get|gets|got|getting|feel|feels|felt|feeling)\s+|\b(?:I|we|you|they|he|she|people|patients?|"
        r"partners?|staff|families|family|carers?|voices?|everyone|everybody|nobody|no one|colleagues|nurses|members|"
        r"users|residents|them|us)\s+(?:\w+\s+){0,2}?(?:be|been|are|is|was|were|am)\s+)(?:really\s+|truly\s+|"
        r"properly\s+|actually\s+|finally\s+|never\s+|not\s+|always\s+)?heard\b(?!\s+(?:of|about|that|the news|it on))",
        "partners 'are heard by the board', people who 'get heard', 'being heard': a person listened to (not 'the "
        "appeal was heard', nor 'I have heard of it')",
    ),
    _rule(
        "listening",
        r"\bhear(?:s|ing)?\s+(?:from\s+)?(?:the\s+)?(?:patients?|carers?|families|service users|staff|frontline|"
        r"front-line)\b(?:\s+(?:in\s+their\s+own\s+words|directly|themselves))?",
        "the board that hears patients, hearing from staff: listening to them",
    ),
    _rule(
        "listening",
        r"\b(?:nobody|no one|no-one|never)\s+(?:had\s+|has\s+|ever\s+)?asked\s+(?:me|us|them|her|him|"
        r"the\s+(?:patients?|famil(?:y|ies)|carers?|staff|nurses|porters)|patients|families|carers|staff)\b|"
        r"\bask(?:s|ed|ing)?\s+"
        r"(?:the\s+)?(?:patients?|famil(?:y|ies)|carers?|service users|staff|frontline|front-line)\s+what\b",
        "'nobody asked me until day eight', 'we asked patients what mattered': being asked, or not, is being heard",
    ),
    _rule(
        "pdsa",
        r"\b(?:tr(?:y|ied|ying|ies)|test(?:s|ed|ing)?|pilot(?:s|ed|ing)?|trial(?:led|ed|ling|ing)?)\s+"
        r"(?:it|this|that|them|the\s+(?:change|idea|new\s+\w+))\s+(?:out\s+)?(?:on|in|with|for)\s+(?:just\s+)?"
        r"(?:one|a single|a|two|three)\s+(?:wards?|teams?|clinics?|units?|patients?|days?|weeks?|shifts?|mornings?|"
        r"practices?|bays?|sites?)\b",
        "trying or testing a change on one ward or for two weeks first: a small test of change",
    ),
    _rule(
        "breaking-down-silos",
        r"\b(?:across|between)\s+(?:the\s+)?(?:hospitals?|health|acute|primary care|NHS|wards?)\s+(?:and|&)\s+"
        r"(?:the\s+)?(?:social care|councils?|local authorit(?:y|ies)|community(?:\s+teams?)?|primary care|"
        r"care homes?)\b",
        "working across the hospital and social care or the community: across an organisational boundary",
    ),
    _rule(
        "genba",
        r"\b(?:sit(?:s|ting)?|sat|spen[dt](?:ing)?\s+(?:a|the|an?)\s+(?:whole\s+)?(?:day|shift|morning|hour))\s+"
        r"with\s+(?:one|a|the)\s+patient\s+(?:through|all\s+day|for\s+(?:a|the|their|her|his)\s+whole|from\s+"
        r"(?:admission|arrival|the\s+front\s+door|start))\b|\bfollow(?:s|ed|ing)?\s+(?:one|a)\s+"
        r"patient\s+(?:through|all|from)\b",
        "sitting with one patient through their day, following a patient through the pathway: seeing the work",
    ),
    _rule(
        "a3-thinking",
        r"\b(?:our|my|their|an|the|this|that)\s+(?:first\s+|new\s+)?A3s?\b(?!\s*(?:paper|sheet|size|page|poster|"
        r"printer|[:.)\-]))",
        "'our first A3' is an A3 problem-solving report ('A3' alone also means 'answer 3')",
    ),
]


@dataclass(frozen=True)
class Evidence:
    """Where a theme was found in a text: the label (or rule) and the words around it."""

    label: str
    start: int
    context: str
    weak: bool = False
    by_form: bool = False  # found in other word forms of the label (`stem_match`), not as written


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


def _spans(rules: list[Rule], text: str, theme: str) -> list[tuple[int, int]]:
    return [m.span() for r in rules if r.theme == theme for m in r.pattern.finditer(text)]


def _vetoed(text: str, theme: str) -> list[tuple[int, int]]:
    return _spans(CONTEXT_RULES, text, theme)


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in spans)


def find_themes(
    text: str, patterns: list[tuple[LabelPattern, str, str]], explained: set[str] | None = None
) -> dict[str, Evidence]:
    """theme slug -> the first occurrence of one of its labels (or phrase rules) that no context rule explains away;
    weak (`Evidence.weak`) when every such occurrence is inside a `WEAK_RULES` phrase. `explained`, when given,
    receives the themes whose labels occur only where a context rule explains them away."""
    hits: dict[str, Evidence] = {}
    lowered = _casefree(text)
    vetoes: dict[str, list[tuple[int, int]]] = {}
    weakening: dict[str, list[tuple[int, int]]] = {}
    ruled = {r.theme for r in CONTEXT_RULES}
    weakened = {r.theme for r in WEAK_RULES}
    vetoed_here: set[str] = set()
    for pattern, label, slug in patterns:
        if lowered is not None and pattern.words is not None and pattern.words[0] not in lowered:
            continue  # the common case, decided here without a call
        start = pattern.search(text, lowered)
        if start is None:
            continue
        end = start + len(label)
        weak = False
        if slug in ruled or slug in weakened:
            spans = vetoes.setdefault(slug, _vetoed(text, slug)) if slug in ruled else []
            free = [m.span() for m in pattern.regex.finditer(text) if not _inside(m.span(), spans)]
            if not free:
                vetoed_here.add(slug)
                continue
            faint = weakening.setdefault(slug, _spans(WEAK_RULES, text, slug)) if slug in weakened else []
            strong = [f for f in free if not _inside(f, faint)]
            (start, end), weak = (strong[0], False) if strong else (free[0], True)
        else:
            matched = pattern.regex.match(text, start)
            end = matched.end() if matched else end
        if slug not in hits or (weak, start) < (hits[slug].weak, hits[slug].start):
            hits[slug] = Evidence(label, start, context_of(text, start, end), weak)
    by_stem = _by_first_stem(patterns)
    runs = _content_runs(text) if by_stem else []
    present = {w[0] for run in runs for w in run}
    for at in sorted(i for stem in present for i in by_stem.get(stem, ())):
        pattern, label, slug = patterns[at]
        if slug in hits or pattern.stems is None or not present.issuperset(pattern.stems.stems):
            continue
        span = stem_match(pattern.stems, runs)
        if span is None:
            continue
        spans = vetoes.setdefault(slug, _vetoed(text, slug)) if slug in ruled else []
        if any(span[0] < b and a < span[1] for a, b in spans):
            vetoed_here.add(slug)
            continue
        faint = weakening.setdefault(slug, _spans(WEAK_RULES, text, slug)) if slug in weakened else []
        words = " ".join(text[span[0] : span[1]].split())
        hits[slug] = Evidence(f"{words} (~ {label})", span[0], context_of(text, *span), _inside(span, faint), True)
    known = patterns.slugs if isinstance(patterns, Patterns) else {slug for _, _, slug in patterns}
    for rule in PHRASE_RULES:
        if rule.theme not in known or rule.theme in hits:
            continue
        # a phrase shares words with the other sense ('to model' in 'to model the demand'): overlapping is enough
        spans = vetoes.setdefault(rule.theme, _vetoed(text, rule.theme)) if rule.theme in ruled else []
        found = next(
            (m for m in rule.pattern.finditer(text) if not any(m.start() < b and a < m.end() for a, b in spans)),
            None,
        )
        if found:
            hits[rule.theme] = Evidence(
                " ".join(found.group(0).split()), found.start(), context_of(text, *found.span())
            )
    if explained is not None:
        explained |= vetoed_here - set(hits)
    return dict(sorted(hits.items()))


def match_labels(text: str, patterns: list[tuple[LabelPattern, str, str]]) -> dict[str, str]:
    """theme slug -> the label found first in the text (after the context rules)."""
    return {slug: ev.label for slug, ev in find_themes(text, patterns).items()}


def load_curated(path: Path | None = None) -> dict:
    """The reviewed file: `questions` (question -> themes) and `items` (themes for single items)."""
    from kg.sources import curation

    data = curation.load(path or CURATED_PATH, curation.CuratedThemes | None)[0] or {}
    return {"questions": data.get("questions") or [], "items": data.get("items") or []}


def _lesson_of(thesaurus: Graph) -> dict[str, frozenset[str]]:
    """theme slug -> the slugs of the top concepts above it (the lessons), itself for a top concept.

    SKOS lets a concept have several broader concepts (patient flow is part of lean and of putting patients at
    the centre): such a theme belongs to every lesson it is under."""
    above = _above(thesaurus)
    has_parent = {theme_slug(c) for c in thesaurus.subjects(SKOS.broader, None) if isinstance(c, URIRef)}
    slugs = {theme_slug(t) for t in thesaurus.subjects(SKOS.prefLabel, None) if isinstance(t, URIRef)}
    out: dict[str, frozenset[str]] = {}
    for slug in slugs | set(above):
        tops = frozenset(t for t in above.get(slug, ()) if t not in has_parent)
        out[slug] = tops or frozenset({slug})
    return out


def _above(thesaurus: Graph) -> dict[str, set[str]]:
    """theme slug -> every theme above it (broader, transitively)."""
    parent: dict[str, set[str]] = {}
    for c, p in thesaurus.subject_objects(SKOS.broader):
        if isinstance(c, URIRef) and isinstance(p, URIRef):
            parent.setdefault(theme_slug(c), set()).add(theme_slug(p))
    out: dict[str, set[str]] = {}
    for slug in parent:
        stack, seen = list(parent[slug]), set()
        while stack:
            cur = stack.pop()
            if cur not in seen:
                seen.add(cur)
                stack += parent.get(cur, ())
        out[slug] = seen
    return out


def _always_above(thesaurus: Graph) -> dict[str, set[str]]:
    """theme slug -> the themes every way up from it passes through (in a tree: every theme above it).

    A theme under two branches (patient flow: under lean and under patients at the centre) is wholly about
    neither: words about it back up a question's theme of one branch only weakly."""
    parents: dict[str, set[str]] = {}
    for c, p in thesaurus.subject_objects(SKOS.broader):
        if isinstance(c, URIRef) and isinstance(p, URIRef):
            parents.setdefault(theme_slug(c), set()).add(theme_slug(p))
    out: dict[str, set[str]] = {}

    def up(slug: str, visiting: frozenset[str]) -> set[str]:
        if slug in out:
            return out[slug]
        ways = [{p} | up(p, visiting | {slug}) for p in sorted(parents.get(slug, ())) if p not in visiting]
        found = set.intersection(*ways) if ways else set()
        if not visiting & found:
            out[slug] = found
        return found

    for slug in parents:
        up(slug, frozenset())
    return out


def inherit(
    question_theme: str,
    own: set[str],
    lesson_of: dict[str, frozenset[str]],
    above: dict[str, set[str]] | None = None,
) -> Kind["strong", "weak"] | None:
    """Does an item in a question's section carry the question's theme? Its own words decide.

    Words about the question's theme itself, or a theme above or below it, back the inheritance up ("strong");
    words about another theme of the same lesson only weakly (a weekly PDSA review under a question on "huddles,
    boards, reviews" is a routine, not a huddle; without `above` the same lesson is enough); no theme in its words
    leaves the section as the only evidence ("weak"); words only about other lessons say the item is about
    something else (None: not inherited) - an invitation to join a network posted under "leaders show the way" is
    about networks. Words about the question's lesson that are outnumbered by words about another one back it up
    only weakly. A theme under several lessons counts for each of them."""
    if not own:
        return "weak"
    lessons = lesson_of.get(question_theme, frozenset({question_theme}))
    per_lesson = Counter(lesson for t in own for lesson in lesson_of.get(t, frozenset({t})))
    ours = max(per_lesson[lesson] for lesson in lessons)
    if not ours:
        return None
    if ours != max(per_lesson.values()):
        return "weak"
    if above is not None and not any(
        t == question_theme or question_theme in above.get(t, ()) or t in above.get(question_theme, ()) for t in own
    ):
        return "weak"
    return "strong"


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
    above = _above(thesaurus)
    always_above = _always_above(thesaurus)
    warnings: list[str] = []
    out: list[Assignment] = []

    def usable(themes: list[str], where: str) -> list[str]:
        for t in themes:
            if t not in known:
                warnings.append(f"{where}: curated theme {t!r} is not in the thesaurus")
        return [t for t in themes if t in known]

    explained_away: set[URIRef] = set()
    by_form: dict[URIRef, set[str]] = {}

    def labelled(node: URIRef, text: str, line: int) -> set[str]:
        vetoed: set[str] = set()
        found = find_themes(text, patterns, vetoed)
        if vetoed:
            explained_away.add(node)
        by_form[node] = {t for t, ev in found.items() if ev.by_form}
        for t, ev in found.items():
            out.append(Assignment(node, t, "label", line, matched_label=ev.label, context=ev.context, weak=ev.weak))
        return set(found)

    def inherited(node: URIRef, own: set[str], number: int, line: int) -> None:
        via = iris.question(slug, number)
        for t in question_themes.get(number, []):
            strength = inherit(t, own, lesson_of, always_above)
            if strength == "strong" and inherit(t, own - by_form.get(node, set()), lesson_of, always_above) != "strong":
                strength = "weak"  # words matched only in other word forms may keep an item out, never back it up
            if strength is None and number in read_from_words and t in chat_topic:
                # an unreviewed question's theme that the chat's title names too: two signs, the item's words
                # elsewhere ("you cannot huddle with people you have never met" in a chat on relationships)
                strength = "weak"
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

    chat_topic = chat_subject(records, patterns)
    read_from_words: set[int] = set()
    for q in records.questions:
        own = labelled(iris.question(slug, q.number), q.text or "", q.line)
        # a question no reviewer mapped (a later chat's) gives its section the themes its own words name
        if q.number not in question_themes:
            question_themes[q.number] = sorted(own)
            read_from_words.add(q.number)

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
    # the topic the chat's title names ("How to build improvement capability ..."). Not an item whose theme words a
    # context rule explained away: its words are known to be about something else (a poster of the "hierarchy of
    # controls" for infection prevention is not about the chat's topic either).
    themed_so_far = {a.subject for a in out}
    items = [(iris.question(slug, q.number), q.line) for q in records.questions]
    items += [(iris.quote(slug, q.number), q.line) for q in records.quotes]
    items += [(iris.resource(r.slug), r.line) for r in records.resources]
    fallback = _shared_topic(chat_topic, above)
    for item, line in items:
        if item not in themed_so_far and item not in explained_away:
            for t, label in fallback.items():
                out.append(
                    Assignment(
                        item,
                        t,
                        "chat",
                        line,
                        matched_label=label,
                        weak=True,
                        context=_subject_words(records),
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


def chat_subject(records: ChatRecords, patterns: list[tuple[LabelPattern, str, str]]) -> dict[str, Evidence]:
    """The themes the chat is about: those its title names and those its purpose statement's quoted subject names
    ("this tweet chat on 'partnering with patients and carers in improvement'"): a title may be a slogan
    ("Partners, not passengers") that the subject says plainly."""
    found = find_themes(records.chat.title, patterns)
    if records.chat.subject:
        for theme, ev in find_themes(records.chat.subject, patterns).items():
            found.setdefault(theme, ev)
    return found


def _subject_words(records: ChatRecords) -> str:
    """Where the chat's subject was read, for the reviewer."""
    words = f"the chat's title: {records.chat.title}"
    if records.chat.subject and records.chat.subject.casefold() not in records.chat.title.casefold():
        words += f"; its subject: '{records.chat.subject}'"
    return words


def _shared_topic(topic: dict[str, Evidence], above: dict[str, set[str]]) -> dict[str, str]:
    """The themes a chat's title gives an item nothing else tags: theme -> the title's words for it.

    A title naming several themes of one branch ("values, curiosity and kindness") says what the chat is about
    as a whole, not what each item is about: the item gets the most specific theme above them all (cultural
    readiness), not each of them. Themes with nothing in common above them are kept as they are."""
    if len(topic) < 2:
        return {t: ev.label for t, ev in topic.items()}
    common = set.intersection(*({t} | above.get(t, set()) for t in topic))
    if not common:
        return {t: ev.label for t, ev in topic.items()}
    deepest = max(sorted(common), key=lambda t: len(above.get(t, ())))
    return {deepest: ", ".join(ev.label for ev in sorted(topic.values(), key=lambda ev: ev.start))}


def _preference(a: Assignment) -> tuple[bool, int]:
    """Strong evidence before weak, then label before question before curated."""
    return (a.weak, REASON_RANK[a.reason])


def add_assignments(graph: Graph, found: list[Assignment], source: URIRef, chat_slug: str | None = None) -> None:
    """Write `?x qi:hasTheme ?t` plus one `qi:ThemeAssignment` node recording why (this chat's, for a resource)."""
    for a in found:
        theme = iris.theme(a.theme_slug)
        node = iris.theme_assignment(a.subject, a.theme_slug, chat_slug)
        graph.add((a.subject, QI.hasTheme, theme))
        graph.add((node, RDF.type, QI.ThemeAssignment))
        local = str(a.subject).removeprefix(str(QID))
        scope = f", in {chat_slug}" if str(node).endswith(f"/in/{chat_slug}") else ""
        graph.add((node, RDFS.label, Literal(f"{a.theme_slug} for {local} ({a.reason}{scope})")))
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
    add_assignments(graph, found, iris.source(records.source_slug), records.chat.slug)
    return warnings
