"""Handle resolution: many spellings of one account -> one canonical handle; flag likely new variants.

The reviewed table lives in `kg/data/aliases.yaml` (each alias with its line and reason). Lookup is
case-insensitive. `suggest_variants` finds spellings that are probably the same account but are not yet in the
table (case-folding, small edit distance, the same display name) so a new report cannot silently split a person.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz.distance import Levenshtein

if TYPE_CHECKING:
    from kg.records import ChatRecords

DATA = Path(__file__).resolve().parents[1] / "data" / "aliases.yaml"


def handle_key(handle: str) -> str:
    """The one normal form of a handle: without '@', spaces (a conversion may break a handle: 'SaTHImprove nt') and
    case (handles are case-insensitive on Twitter). Every comparison of handles in qikg goes through it."""
    return "".join(handle.lstrip("@").split()).lower()


_key = handle_key


@dataclass(frozen=True)
class Finding:
    """A probable variant: `variant` looks like `canonical` for `reason`; review and add it to aliases.yaml."""

    variant: str
    canonical: str
    reason: str


@dataclass
class AliasTable:
    canonical_of: dict[str, str] = field(default_factory=dict)  # casefolded spelling -> canonical
    spellings: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # canonical -> spellings
    reasons: dict[str, tuple[int, str]] = field(default_factory=dict)  # alias -> (line, reason)
    same_agent: dict[str, list[str]] = field(default_factory=dict)  # canonical -> other accounts
    # canonical -> 'FILE:LINE' of the same_agent group that joins it (a warning names it when a chat leaves it out)
    same_agent_where: dict[str, str] = field(default_factory=dict)
    organisation_accounts: dict[str, tuple[int, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> AliasTable:
        from kg.sources import curation
        from kg.sources.inputs import InputError, dotted

        path = Path(path or DATA)
        data, lines = curation.load(path, curation.AliasFile | None)
        data = data or {}
        table = cls()
        for i, entry in enumerate(data.get("accounts") or []):
            canonical = entry["canonical"]
            spellings: list[tuple[tuple[str | int, ...], str]] = [(("accounts", i, "canonical"), canonical)]
            spellings += [
                (("accounts", i, "aliases", j, "alias"), item["alias"])
                for j, item in enumerate(entry.get("aliases") or [])
            ]
            for loc, spelling in spellings:
                try:
                    table._add(spelling, canonical)
                except ValueError as error:
                    raise InputError(
                        f"{path}: one spelling, two accounts", [f"{path}:{lines.line(loc)}: {dotted(loc)}: {error}"]
                    ) from None
            for item in entry.get("aliases") or []:
                table.reasons[item["alias"]] = (int(item["line"]), item["reason"])
        for i, group in enumerate(data.get("same_agent") or []):
            handles = [table.canonical(h) for h in group["handles"]]
            for h in handles:
                table.same_agent[h] = [o for o in handles if o != h]
                table.same_agent_where[h] = f"{curation.shown_path(path)}:{lines.line(('same_agent', i))}"
        for item in data.get("organisation_accounts") or []:
            table.organisation_accounts[table.canonical(item["handle"]).lower()] = (int(item["line"]), item["reason"])
        return table

    def with_reports(self, all_records: Iterable[ChatRecords]) -> AliasTable:
        """The table plus each report's own reviewed spellings (`REPORT.curation.yaml`, in `ChatRecords.aliases`):
        a spelling is one account in every chat. Called after `observe`, it moves a spelling (and its case
        variants) to the account it belongs to, which keeps the spelling `observe` chose for that account. A
        spelling the reviewed files give to two accounts is an `InputError` naming the report's line."""
        from kg.sources.inputs import InputError

        for records in all_records:
            for item in records.aliases:
                target, key = self.canonical(item.canonical), _key(item.alias)
                known = self.canonical_of.get(key)
                if known is not None and _key(known) != key and known != target:
                    raise InputError(
                        f"{records.source_path}: one spelling, two accounts",
                        [
                            f"{records.source_path}:{item.line}: aliases (its curation file): {item.alias!r} is "
                            f"listed under both {known!r} and {target!r}"
                        ],
                    )
                old = known if known is not None and _key(known) == key else None
                self.canonical_of[key] = target
                self.spellings[target].add(item.alias)
                if old is not None and old != target:
                    for k, v in list(self.canonical_of.items()):
                        if v == old:
                            self.canonical_of[k] = target
                    self.spellings[target] |= self.spellings.pop(old, set())
                self.reasons.setdefault(item.alias, (item.line, item.reason))
        return self

    def _add(self, spelling: str, canonical: str) -> None:
        known = self.canonical_of.get(_key(spelling))
        if known and known != canonical:
            raise ValueError(f"{spelling!r} is listed under both {known!r} and {canonical!r}")
        self.canonical_of[_key(spelling)] = canonical
        self.spellings[canonical].add(spelling)

    def canonical(self, handle: str) -> str:
        """The canonical spelling for any spelling (case-insensitive); unknown handles are their own canonical."""
        return self.canonical_of.get(_key(handle.lstrip("@")), handle.lstrip("@"))

    def observe(self, spellings: Iterable[str], own: Iterable[str] = ()) -> None:
        """Register spellings seen in a source (in source order). Unlisted variants that differ only in case or
        spaces are one account, spelt as on the account's own tweet card (`own`: the cards' handles), else as the
        most frequent unbroken spelling, else as the first seen (the rule of vocabulary.md)."""
        seen = [s.lstrip("@") for s in spellings]
        counts = Counter(seen)
        first: dict[str, int] = {}
        for i, s in enumerate(seen):
            first.setdefault(s, i)
        owned: dict[str, str] = {}
        for h in own:
            owned.setdefault(_key(h), h.lstrip("@"))
        groups: dict[str, list[str]] = defaultdict(list)
        for s in counts:
            groups[_key(s)].append(s)
        for key, variants in groups.items():
            if key in self.canonical_of:
                canonical = self.canonical_of[key]
            else:
                canonical = owned.get(key) or max(variants, key=lambda s: (" " not in s, counts[s], -first[s]))
                self.canonical_of[key] = canonical
            self.spellings[canonical].update(variants)

    def aliases(self, canonical: str) -> list[str]:
        """Every other spelling seen for this account, sorted."""
        return sorted(s for s in self.spellings.get(canonical, set()) if s != canonical)

    def other_accounts(self, canonical: str) -> list[str]:
        return self.same_agent.get(canonical, [])

    def same_agent_source(self, canonical: str) -> str:
        """'FILE:LINE' of the curation that makes `canonical` one agent with its other accounts."""
        return self.same_agent_where.get(canonical, "kg/data/aliases.yaml")

    def is_organisation_account(self, canonical: str) -> bool:
        return canonical.lower() in self.organisation_accounts


def suggest_variants(
    handles: Iterable[str],
    display_names: Mapping[str, str] | None = None,
    table: AliasTable | None = None,
    max_distance: int = 2,
) -> list[Finding]:
    """Pairs of distinct accounts (after the table's resolution) that look like one: review each one.

    Rules: the same handle up to case or spaces; edit distance <= `max_distance` for handles of 7+ characters;
    the same display name (first two words) on two handles not listed as one person's two accounts.
    """
    table = table or AliasTable()
    canon = sorted({table.canonical(h) for h in handles})
    findings: list[Finding] = []
    for i, a in enumerate(canon):
        for b in canon[i + 1 :]:
            if b in table.other_accounts(a):
                continue
            if _key(a) == _key(b):
                findings.append(Finding(b, a, "same handle up to case"))
            elif min(len(a), len(b)) >= 7 and Levenshtein.distance(a.lower(), b.lower()) <= max_distance:
                findings.append(Finding(b, a, f"edit distance {Levenshtein.distance(a.lower(), b.lower())}"))
    if display_names:
        by_name: dict[str, set[str]] = defaultdict(set)
        for handle, name in display_names.items():
            words = [w for w in name.replace("Dr ", "").split() if w[:1].isalpha()][:2]
            if len(words) == 2:
                by_name[" ".join(words).lower()].add(table.canonical(handle))
        for name, group in sorted(by_name.items()):
            group_sorted = sorted(group)
            for other in group_sorted[1:]:
                if other not in table.other_accounts(group_sorted[0]):
                    findings.append(Finding(other, group_sorted[0], f"same display name '{name}'"))
    return findings
