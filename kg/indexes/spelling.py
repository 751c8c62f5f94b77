"""Did you mean: for a searched word that no document holds, the nearest word that some document does hold.

The candidates are the words of the searched documents themselves (labels and texts, as people wrote them, not the
index's stems), so a suggestion always finds something. A typed word counts as known when the index's tokenizer
makes it a stem that some document's word also makes ("improving" is known where only "improvement" is written),
so only words that match nothing are corrected. The distance is the optimal string alignment distance (a swap of
two letters is one edit, so "huddel" is one edit from "huddle"): at most 1 for words of 4 letters or fewer, 2 for
longer ones; the nearest wins, then the word more documents hold, then the alphabet (one answer on every run).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LETTERS = 3  # shorter words are never corrected (and never offered)
_WORD = re.compile(rf"[^\W\d_]{{{MIN_LETTERS},}}", re.UNICODE)  # letters only: no numbers, handles' digits aside

Tokenize = Callable[[Sequence[str]], list[list[str]]]  # the index's tokenizer: texts -> their stems


def fold(word: str) -> str:
    """Lower case without accents, as the index's tokenizer compares words (unicode61 remove_diacritics 2)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def max_edits(word: str) -> int:
    return 1 if len(word) <= 4 else 2


class Spelling:
    """The documents' words with how many documents hold each, and the stems they make."""

    def __init__(self, texts: Iterable[str], tokenize: Tokenize) -> None:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update({fold(w) for w in _WORD.findall(text)})
        self.counts = counts
        self.words = sorted(counts)
        self._tokenize = tokenize
        self.stems = {stem for stems in tokenize(self.words) for stem in stems} if self.words else set()

    def known(self, word: str) -> bool:
        """Whether the index would match `word` to some document's word (by its stem)."""
        stems = self._tokenize([word])[0]
        return bool(stems) and all(stem in self.stems for stem in stems)

    def nearest(self, word: str) -> str | None:
        """The closest word the documents hold, or None when none is within `max_edits`."""
        folded = fold(word)
        limit = max_edits(folded)
        found = process.extract(folded, self.words, scorer=OSA.distance, score_cutoff=limit, limit=None)
        if not found:
            return None
        best = min(found, key=lambda f: (f[1], -self.counts[f[0]], f[0]))
        return best[0]

    def suggest(self, text: str) -> str | None:
        """`text` with each unknown word replaced by the nearest known one; None when nothing was replaced."""
        changed = False

        def fix(match: re.Match[str]) -> str:
            nonlocal changed
            word = match.group(0)
            if self.known(word):
                return word
            better = self.nearest(word)
            if better is None or better == fold(word):
                return word
            changed = True
            return better

        suggested = _WORD.sub(fix, text)
        return suggested if changed else None
