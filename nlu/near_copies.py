"""Near-copy detection between the training and held-out splits.

Two examples are near-copies when their normalised texts are equal or their
character 5-gram sets have a Jaccard similarity of at least 0.8. A held-out
message that is a near-copy of a training message measures memory, not
understanding, so the build trains on it instead and reports the rate.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from mps.text import normalize

JACCARD = 0.8
GRAM = 5
# Grams shared by more examples than this say nothing about near-copies.
COMMON = 300


def grams(text: str) -> frozenset[str]:
    """Character 5-grams of the normalised text, padded with spaces."""
    padded = f" {' '.join(normalize(text).split())} "
    if len(padded) <= GRAM:
        return frozenset({padded})
    return frozenset(padded[i : i + GRAM] for i in range(len(padded) - GRAM + 1))


class NearCopies:
    """An index of training texts answering "has this text a near-copy here?"."""

    def __init__(self, texts: list[str]) -> None:
        self._exact = {" ".join(normalize(t).split()) for t in texts}
        self._sets = [grams(t) for t in texts]
        postings: dict[str, list[int]] = defaultdict(list)
        for number, gram_set in enumerate(self._sets):
            for gram in gram_set:
                postings[gram].append(number)
        self._postings = {g: ids for g, ids in postings.items() if len(ids) <= COMMON}

    def has_near_copy(self, text: str) -> bool:
        """True if `text` equals or nearly equals an indexed text."""
        if " ".join(normalize(text).split()) in self._exact:
            return True
        mine = grams(text)
        shared = Counter(i for g in mine for i in self._postings.get(g, ()))
        for number, _ in shared.most_common(25):
            other = self._sets[number]
            if len(mine & other) / len(mine | other) >= JACCARD:
                return True
        return False
