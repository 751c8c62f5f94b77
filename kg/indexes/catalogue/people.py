"""Participants (found by handle or alias) and organisations (found by id or any name)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from kg.indexes.catalogue.values import Ids, add_once, fold, load, py, suggest, text
from kg.store import Store


@dataclass
class Participant:
    iri: str
    handle: str
    aliases: list[str] = field(default_factory=list)
    display_names: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    organisation_account: bool = False
    speakers: list[tuple[str, str]] = field(default_factory=list)  # (IRI, name) of who speaks for a team's account


@dataclass
class Organisation:
    iri: str
    slug: str
    label: str
    kind: str | None = None
    alt_names: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)


class Participants:
    """The accounts by IRI, and every handle and alias (any case, with or without '@') as a look-up key."""

    def __init__(self, participants: dict[str, Participant]) -> None:
        self.participants = participants
        self.keys: dict[str, str] = {}
        for person in participants.values():
            for alias in person.aliases:
                self.keys.setdefault(fold(alias.lstrip("@")), person.iri)
        for person in participants.values():  # canonical handles win over aliases
            self.keys[fold(person.handle)] = person.iri
        # people with no account of their own, known by the name the panel gives beside a team's account
        self.speaker_names: dict[str, str] = {}
        for person in participants.values():
            for iri, name in person.speakers:
                if name and iri not in participants:
                    self.speaker_names.setdefault(iri, name)

    @classmethod
    def read(cls, store: Store) -> Participants:
        participants: dict[str, Participant] = {}
        for row in store.query(load("participants")).rows:
            iri = str(row["participant"])
            person = participants.setdefault(iri, Participant(iri, str(row["handle"])))
            add_once(person.aliases, text(row.get("alias")))
            add_once(person.display_names, text(row.get("displayName")))
            add_once(person.names, text(row.get("name")))
            add_once(person.roles, text(row.get("role")))
            person.organisation_account = person.organisation_account or bool(py(row.get("orgAccount")))
            if row.get("speaker") is not None:
                add_once(person.speakers, (str(row["speaker"]), text(row.get("speakerName")) or ""))
        return cls(participants)

    def to_data(self) -> list[dict]:
        return [asdict(p) for p in self.participants.values()]

    @classmethod
    def from_data(cls, data: list[dict]) -> Participants:
        return cls(
            {p["iri"]: Participant(**{**p, "speakers": [tuple(s) for s in p.get("speakers", [])]}) for p in data}
        )

    def resolve(self, handle: str) -> Participant | None:
        """A participant by handle or alias, any case, with or without '@'."""
        iri = self.keys.get(fold(handle.strip().lstrip("@")))
        return self.participants.get(iri) if iri else None

    def resolve_without_handle(self, needle: str) -> str | None:
        """The IRI of a person with no handle (see `speaker_names`) by the id their IRI ends in, or by name."""
        key = fold(needle.strip())
        for iri, name in self.speaker_names.items():
            if key in (fold(iri.rsplit("/", 1)[-1]), fold(name)):
                return iri
        return None

    def suggestions(self, handle: str) -> list[str]:
        choices = sorted(
            {p.handle for p in self.participants.values()} | {a for p in self.participants.values() for a in p.aliases}
        )
        return suggest(handle.lstrip("@"), choices)


class Organisations:
    """The organisations by IRI, and their ids, IRIs and names (any case) as look-up keys."""

    def __init__(self, organisations: dict[str, Organisation]) -> None:
        self.organisations = organisations
        self.keys: dict[str, str] = {}
        for org in organisations.values():
            for key in [org.slug, org.iri, org.label, *org.alt_names]:
                self.keys.setdefault(fold(key), org.iri)

    @classmethod
    def read(cls, store: Store, ids: Ids) -> Organisations:
        organisations: dict[str, Organisation] = {}
        for row in store.query(load("organisations")).rows:
            iri = str(row["organisation"])
            slug = ids.local_id(iri, "organisation")
            org = organisations.setdefault(iri, Organisation(iri, slug, text(row.get("label")) or slug))
            org.kind = org.kind or text(row.get("kind"))
            add_once(org.alt_names, text(row.get("altName")))
            add_once(org.parents, text(row.get("parent")))
        return cls(organisations)

    def to_data(self) -> list[dict]:
        return [asdict(o) for o in self.organisations.values()]

    @classmethod
    def from_data(cls, data: list[dict]) -> Organisations:
        return cls({o["iri"]: Organisation(**o) for o in data})

    def resolve(self, needle: str) -> Organisation | None:
        iri = self.keys.get(fold(needle))
        return self.organisations.get(iri) if iri else None

    def suggestions(self, needle: str, limit: int = 5) -> list[str]:
        """The closest organisations to a name, by label, each once: their ids and other names are matched too, but
        an id beside its own name ("NHS England, nhs-england") would only repeat it."""
        label_of: dict[str, str] = {}
        for org in sorted(self.organisations.values(), key=lambda o: o.label.casefold()):
            for key in (org.label, org.slug, *org.alt_names):
                label_of.setdefault(key, org.label)
        close = suggest(needle, sorted(label_of), limit=len(label_of))
        return list(dict.fromkeys(label_of[key] for key in close))[:limit]
