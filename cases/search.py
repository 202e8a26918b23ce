"""Search that finds people: defendant names and aliases without their accents or case, and a
court case number that opens its case.

Every case keeps `search_name`, its defendant's name and aliases folded by `fold` (lower case,
accents stripped: "José Hernández" → "jose hernandez"), written by `Case.save` whenever the
names are and by the bulk writers (cases.devdata.volume). The query is folded the same way, so
"hernandez", "HERNANDEZ" and "Hernández" find the same people on both databases.

On PostgreSQL a trigram GIN index covers the column (migration 0017), so each word also matches
a slightly misspelt name ("hernandes" finds Hernández: word similarity, pg_trgm's `%>`), and a
name search over 400,000 cases stays an index scan (bench/bench_search.py). SQLite, a trial or
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


def name_matches(query):
    """Cases whose defendant name or alias holds every word of `query`, accents and case aside;
    on PostgreSQL a word also matches a name it resembles (trigram word similarity)."""
    words = fold(query).split()
    condition = Q()
    for word in words:
        match = Q(search_name__contains=word)
        if connection.vendor == "postgresql" and len(word) >= 3:
            match |= Q(search_name__trigram_word_similar=word)
        condition &= match
    return condition if words else Q(pk__in=[])


def case_numbered(cases, query):
    """The case among `cases` whose court case number is exactly `query` (as typed or in
    capitals, so the unique index answers), or None."""
    number = query.strip()
    if not number:
        return None
    return cases.filter(court_case_number__in={number, number.upper()}).first()
