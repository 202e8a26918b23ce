"""Search that finds people: defendant names and aliases without their accents or case, and a
court case number that opens its case.

Every case keeps `search_name`, its defendant's name and aliases folded by `fold` (lower case,
accents stripped: "José Hernández" → "jose hernandez"), written by `Case.save` whenever the
names are and by the bulk writers (cases.devdata.volume). The query is folded the same way, so
"hernandez", "HERNANDEZ" and "Hernández" find the same people on both databases.

On PostgreSQL a trigram GIN index covers the column (migration 0020): a name search over 400,000
cases is an index scan, for the words as typed (LIKE) and, when they find nobody, for names that
resemble them ("hernandes" finds Hernández: word similarity, pg_trgm's `%>`). SQLite, a trial or
demo database, matches each word as a substring of the folded column.

Its cost is bounded by design, not by the planner's luck (bench/bench_search.py):
- the matches are read as ids, at most MATCH_LIMIT + 1 of them (LIMIT with no ORDER BY: the
  bitmap scan stops there); that one query answers "any?", "how many?" (exactly, or "more than
  MATCH_LIMIT") and, when they are few, which cases the page shows (by primary key);
- it runs with sequential and plain index scans off, for its transaction only: pg_trgm's
  operators have no statistics, so the planner guesses 1 % of the rows match and, under a
  LIMIT, prefers to read the table, or the office's index, from the start (400 ms for
  "ramires" over 400,000 cases, against 20 ms through the trigram index);
- the resembling names are looked for only when no name holds the words as typed, and at most
  RESEMBLING_LIMIT of them are read; when more resemble, the page shows those, and says so.

Why a folded column rather than `unaccent()` in the index: PostgreSQL's `unaccent` is not
IMMUTABLE, so an index over it needs a wrapper function declared immutable, and the two
databases would fold differently. One Python function folds for both, and the column it fills
is what the trigram index covers.

(tests/test_search.py)
"""

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Q, QuerySet

# A name search reads at most this many matches: beyond it, the list says "more than 500" and
# asks for another word. Nobody pages through twenty pages of one surname.
MATCH_LIMIT = 500
# Names that only resemble the words are fewer still: a short list to pick from, or a sign to
# check the spelling. Each costs a word-similarity recheck, several times a LIKE's.
RESEMBLING_LIMIT = 100
# pg_trgm's word similarity from which a name resembles a word, set explicitly so that the
# server's configuration cannot change what the app finds. It is pg_trgm's default: a tighter
# one loses the commonest misspelling, s for z at the end of a short Spanish surname ("ruis"
# for Ruiz and "dias" for Díaz score 0.6, "nunes" for Núñez 0.67), and gains little speed, as
# the index reads every trigram's list whatever the threshold (for "hernandes" over 400,000
# cases, 3,840 candidates at 0.7 against 4,974 at 0.6), while the limits bound what follows.
RESEMBLANCE = 0.6

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


@dataclass(frozen=True)
class Found:
    """What a search of the case list found: the cases, unordered; for a name search, how many
    (at most its limit + 1) and whether they only resemble the words typed."""

    cases: QuerySet
    count: int | None = None  # None: not a name search, counted as usual
    resembling: bool = False

    @property
    def limit(self):
        return RESEMBLING_LIMIT if self.resembling else MATCH_LIMIT

    @property
    def more_than_limit(self):
        return self.count is not None and self.count > self.limit


def by_name(cases, query):
    """The cases among `cases` whose defendant name or alias holds every word of `query`,
    accents and case aside. On PostgreSQL, when no name holds them all, the names that
    resemble each word instead ("hernandes" finds Hernández): pg_trgm's word similarity, whose
    recheck costs several times a LIKE's, so it runs only when the exact words found nobody.
    (tests/test_search.py)"""
    words = fold(query).split()
    if not words:
        return Found(cases.none(), 0)
    exact = cases.filter(_every_word(words, "search_name__contains"))
    with _through_the_index(words):
        ids = _first_ids(exact, MATCH_LIMIT)
        # Words all shorter than three letters have no trigrams: resembling is the same
        # LIKE again, and its answer is already known.
        if not ids and connection.vendor == "postgresql" and any(len(w) >= 3 for w in words):
            resembling = cases.filter(_every_word(words, "search_name__trigram_word_similar"))
            ids = _first_ids(resembling, RESEMBLING_LIMIT)
            # The similarity threshold is set for the transaction above only, so the page
            # shows the first names found rather than search again without it.
            return Found(cases.filter(pk__in=ids[:RESEMBLING_LIMIT]), len(ids), bool(ids))
    if len(ids) <= MATCH_LIMIT:
        return Found(cases.filter(pk__in=ids), len(ids))
    # Many matches: the page is the soonest hearings among them all, which PostgreSQL finds by
    # walking the hearing index (a common surname is about one case in a hundred).
    return Found(exact, len(ids))


def _every_word(words, lookup):
    condition = Q()
    for word in words:
        # A trigram needs three letters: a shorter word is matched as it is.
        condition &= Q(**{lookup if len(word) >= 3 else "search_name__contains": word})
    return condition


def _first_ids(cases, limit):
    """The ids of the first `limit` + 1 cases found, in no order: one more than the limit says
    there are more."""
    return list(cases.order_by().values_list("pk", flat=True)[: limit + 1])


@contextmanager
def _through_the_index(words):
    """On PostgreSQL, the statements inside run in one transaction with only bitmap scans
    allowed and the resemblance threshold set (set_config's `is_local`: they end with the
    transaction, or with the outer one when a caller holds one open, as a test does). A bitmap
    scan is bounded by its index conditions: the trigram index, ANDed with a foreign key's when
    the user sees one unit or their own cases. A plain index scan, allowed, walked the office's
    foreign key under the LIMIT and rechecked the similarity of each row (100 ms, not 20).
    A word shorter than three letters has no trigram, so a query of such words only is left to
    the planner."""
    if connection.vendor != "postgresql" or all(len(word) < 3 for word in words):
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('enable_seqscan', 'off', true),"
            " set_config('enable_indexscan', 'off', true),"
            " set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(RESEMBLANCE)],
        )
        yield


class FoundPaginator(Paginator):
    """Pages of what a search found, counted by the search when it counted them: a name search
    over many cases says "more than 500" and pages through those 500."""

    def __init__(self, object_list, per_page, found):
        super().__init__(object_list, per_page)
        self.found = found

    @cached_property
    def count(self):
        if self.found.count is None:
            return super().count
        return min(self.found.count, self.found.limit)


def case_numbered(cases, query):
    """The case among `cases` whose court case number is exactly `query` (as typed or in
    capitals, so the unique index answers), or None."""
    number = query.strip()
    if not number:
        return None
    return cases.filter(court_case_number__in={number, number.upper()}).first()
