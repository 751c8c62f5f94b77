"""What /api/search finds: each thing of the catalogue once, as a document of the full-text index."""

from __future__ import annotations

from kg.indexes.catalogue.people import Organisations, Participants
from kg.indexes.catalogue.themes import Themes
from kg.indexes.catalogue.values import Ids
from kg.indexes.search import Document


def documents(
    ids: Ids,
    themes: Themes,
    participants: Participants,
    organisations: Organisations,
    resources: dict[str, dict],
    questions: dict[str, dict],
    quotes: list[dict],
) -> list[Document]:
    """Each thing once, its label and all its words, with what it can be filtered by (the chat, question, author and
    themes of a quote; the themes of a resource or question). `questions` and `resources` are by IRI."""
    themes_of = {
        iri: tuple(sorted(ids.local_id(t, "theme") for t in found)) for iri, found in themes.item_themes.items()
    }
    docs = []
    for theme in themes.themes.values():
        docs.append(
            Document("theme", theme.slug, theme.label, " · ".join([*theme.pref, *theme.alt, *theme.hidden]), 3.0)
        )
    for person in participants.participants.values():
        docs.append(
            Document(
                "participant",
                person.handle,
                "@" + person.handle,
                " · ".join([person.handle, *person.aliases, *person.display_names, *person.names, *person.roles]),
                3.0,
                author=person.handle,
            )
        )
    for org in organisations.organisations.values():
        docs.append(Document("organisation", org.slug, org.label, " · ".join([org.label, *org.alt_names]), 3.0))
    for res in resources.values():
        if name := res["title"] or res.get("label"):  # an untitled image is found by the words it is labelled with
            body = " · ".join(x for x in [name, *res["creators"], res["type"] or ""] if x)
            docs.append(Document("resource", res["id"], name, body, 2.0, themes=themes_of.get(res["iri"], ())))
    for question in questions.values():
        if question["text"]:
            docs.append(
                Document(
                    "question",
                    question["id"],
                    f"Q{question['number']}",
                    question["text"],
                    1.5,
                    chat=question["chat"],
                    question=question["id"],
                    themes=themes_of.get(question["iri"], ()),
                )
            )
    for quote in quotes:
        if quote["text"]:
            asked = questions.get(quote["question"] or "")
            docs.append(
                Document(
                    "quote",
                    quote["id"],
                    f"@{quote['author']}" if quote["author"] else quote["id"],
                    quote["text"],
                    1.0,
                    chat=quote["chat"],
                    question=asked["id"] if asked else None,
                    author=quote["author"],
                    themes=themes_of.get(quote["iri"], ()),
                )
            )
    return docs
