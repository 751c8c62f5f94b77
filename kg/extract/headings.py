"""Section headings of a report, recognised by their words: what another author or converter writes for "Insights and
Learning" ("Key insights & learnings"), "Shared resources" ("Resources shared during the chat") and the others.

Kept apart from `report` so that `cards` can end a tweet card at a heading worded another way, as at the first
report's wording.
"""

from __future__ import annotations

import re

# a list item as converters write it: '- ', '• ', '* ', '– ', '1. ', '1) '
BULLET = r"(?:[-•*–▪◦]|\d{1,2}[.)])\s+"

# A section heading is recognised by its words, not one string: a short line that is no list item, whose words (case,
# '&', apostrophes, closing marks and plural 's' aside) are one of the section's word sets below, give or take the
# filler words authors add ("Key insights and learning", "Resources shared during the chat", "Shared Resources:").
SECTION_WORDS: dict[str, tuple[frozenset[str], ...]] = {
    "Analytics": (frozenset({"analytic"}), frozenset({"statistic"}), frozenset({"stat"})),
    "The Influencers": (frozenset({"influencer"}),),
    "Tweet activity": (frozenset({"tweet", "activity"}), frozenset({"hashtag", "activity"})),
    "Insights and Learning": (
        frozenset({"insight", "learning"}),
        frozenset({"insight"}),
        frozenset({"learning"}),  # 'Key learnings', 'Learning from the chat': not a lone 'LEARNINGS' (a sketchnote's)
        frozenset({"insight", "lesson"}),
        frozenset({"lesson", "learned"}),
        frozenset({"what", "told", "us"}),  # 'What you told us': the chat's answers, in a report's own words
        frozenset({"what", "heard"}),  # 'What we heard', 'What we heard from you'
    ),
    "Core resources": (frozenset({"core", "resource"}), frozenset({"core", "reading"})),
    "Shared resources": (frozenset({"share", "resource"}),),
    "What next?": (frozenset({"what", "next"}), frozenset({"next"}), frozenset({"next", "step"})),
    "Save the dates!": (frozenset({"save", "date"}), frozenset({"date", "diary"})),
}
# words that add nothing to a heading ("Key insights and learning", "The Influencers", "What comes next?")
HEADING_FILLERS = frozenset(
    "the a an and of from for in on during our your this these that key main top some all chat chats tweetchat "
    "tweekchat twitter is comes coming up you we".split()
)
HEADING_MAX_WORDS = 7
# how each section's heading is written in the first report, and other wordings it is recognised in (for errors)
HEADING_EXAMPLES = {
    "Analytics": ("Analytics", "Chat analytics", "Statistics"),
    "The Influencers": ("The Influencers", "Top influencers"),
    "Tweet activity": ("Tweet activity", "Hashtag activity"),
    "Insights and Learning": (
        "Insights and Learning",
        "Key insights & learnings",
        "Key learnings",
        "Lessons learned",
        "What you told us",
    ),
    "Core resources": ("Core resources", "Core reading"),
    "Shared resources": ("Shared resources", "Resources shared", "Resources shared during the chat"),
    "What next?": ("What next?", "What's next", "Next steps"),
    "Save the dates!": ("Save the dates!", "Save the date", "Dates for your diary"),
}


def stem(word: str) -> str:
    """A heading's word as the rule compares it: 'Resources' -> 'resource', 'shared' -> 'share', 'whats' -> 'what'."""
    word = {"whats": "what", "shared": "share", "sharing": "share", "shares": "share"}.get(word, word)
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def heading_words(text: str) -> frozenset[str] | None:
    """The words of a line read as a heading (fillers removed), or None when the line cannot be a heading: a list
    item, a table row, a line with digits or a handle, or more than `HEADING_MAX_WORDS` words."""
    text = text.strip()
    if not text or re.match(rf"^{BULLET}", text) or re.search(r"[\t|@#\d<>]", text):
        return None
    words = re.findall(r"[a-z]+", re.sub(r"[’'`]", "", text.casefold().replace("&", " and ")))
    if not words or len(words) > HEADING_MAX_WORDS:
        return None
    found = frozenset(stem(w) for w in words) - HEADING_FILLERS
    if found == {"learning"} and len(words) < 2:
        return None  # one word of a sketchnote's list ('LEARNINGS') names no section
    return found


def heading_key(text: str) -> str | None:
    """The section a line is the heading of (its name as in `SECTIONS`), or None."""
    words = heading_words(text)
    if not words:
        return None
    return next((name for name, sets in SECTION_WORDS.items() if words in sets), None)


def accepted_wordings(section: str) -> str:
    """The wordings of a section's heading, for an error: the rule in words, with examples."""
    sets = " / ".join("+".join(sorted(s)) for s in SECTION_WORDS[section])
    examples = ", ".join(repr(x) for x in HEADING_EXAMPLES[section])
    return f"a short line whose words are {sets} (plus words like 'the', 'key', 'our', 'chat'), e.g. {examples}"
