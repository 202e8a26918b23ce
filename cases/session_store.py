"""Django's database sessions, the row read with SQL compiled once per process.

Every signed-in request reads its session row. Django reads it through the ORM, which builds and
compiles the same statement each time (issue 19: about a tenth of the CPU of the cheapest page,
a stored PDF). This store reads the same row through cases.kept_reads, by its key alone, and
keeps Django's rule that an expired session is no session: the expiry is compared here, in
Python, rather than in the SQL, so that the statement has no moving date in it. Everything else
(saving, expiry, cycling the key on log-in) is Django's.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from . import kept_reads

# A key no session has: Django's keys are 32 characters of [a-z0-9].
_STAND_IN = "-kept-read-stand-in-"

_SESSION = kept_reads.OneIdRead(
    Session,
    lambda key: Session.objects.filter(session_key=key).values(*kept_reads.concrete_names(Session)),
    stand_in=_STAND_IN,
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        """The unexpired session of this key, as Django's store reads it, or None (and the key
        forgotten, as Django does, so that a new session gets a new key)."""
        rows = _SESSION.rows(self.session_key)
        if rows and rows[0]["expire_date"] > timezone.now():
            return kept_reads.instance(Session, rows[0], _SESSION.alias())
        self._session_key = None
        return None
