"""Search that finds people: defendant names and aliases without their accents or case, and a
court case number that opens its case.

Every case keeps `search_name`, its defendant's name and aliases folded by `fold` (lower case,
accents stripped: "José Hernández" → "jose hernandez"), written by `Case.save` whenever the
names are and by the bulk writers (cases.devdata.volume). The query is folded the same way, so
"hernandez", "HERNANDEZ" and "Hernández" find the same people on both databases.

On PostgreSQL a trigram GIN index covers the column (migration 0017): a name search over 400,000
cases is an index scan, for the words as typed (LIKE) and, when they find nobody, for names that
resemble them ("hernandes" finds Hernández: word similarity, pg_trgm's `%>`)
(bench/bench_search.py). SQLite, a trial or
demo database, matches each word as a substring of the folded column.

Why a folded column rather than `unaccent()` in the index: PostgreSQL's `unaccent` is not
IMMUTABLE, so an index over it needs a wrapper function declared immutable, and the two
databases would fold differently. One Python function folds for both, and the column it fills
is what the trigram index covers.

(tests/test_search.py)
"""

import re
import unicodedata

from django.db import connection
from django.db.models import Q

# Words are letters and digits; an apostrophe joins ("O'Brien" → "obrien"), a hyphen separates.
_WORDS = re.compile(r"[^\W_]+")
_APOSTROPHES = re.compile("['’ʼ]")


def fold(*texts):
    """Lower case words without accents or punctuation: what `search_name` holds and what a
    query is compared with. NFKD splits "á" into "a" and a combining accent, which is dropped;
    casefold turns "ß" into "ss"."""
    joined = " ".join(text for text in texts if text)
    decomposed = unicodedata.normalize("NFKD", joined)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(_WORDS.findall(_APOSTROPHES.sub("", plain.casefold())))


def is_name_query(query):
    """A query without a digit is a name: it searches names and aliases only, through the
    index. A digit means a case number or a statute ("ALPHA-0001", "PC 273.5")."""
    return bool(query.strip()) and not any(char.isdigit() for char in query)


def by_name(cases, query):
    """The cases among `cases` whose defendant name or alias holds every word of `query`,
    accents and case aside. On PostgreSQL, when no name holds them all, the names that
    resemble each word instead ("hernandes" finds Hernández): pg_trgm's word similarity, whose
    recheck costs several times a LIKE's, so it runs only when the exact words found nobody."""
    words = fold(query).split()
    if not words:
        return cases.none()
    exact = cases.filter(_every_word(words, "search_name__contains"))
    if connection.vendor != "postgresql" or exact.exists():
        return exact
    return cases.filter(_every_word(words, "search_name__trigram_word_similar"))


def _every_word(words, lookup):
    condition = Q()
    for word in words:
        # A trigram needs three letters: a shorter word is matched as it is.
        condition &= Q(**{lookup if len(word) >= 3 else "search_name__contains": word})
    return condition


def case_numbered(cases, query):
    """The case among `cases` whose court case number is exactly `query` (as typed or in
    capitals, so the unique index answers), or None."""
    number = query.strip()
    if not number:
        return None
    return cases.filter(court_case_number__in={number, number.upper()}).first()
