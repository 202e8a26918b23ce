def membership(request):
    """The signed-in user's office membership, for the navigation bar; how many items wait in
    "Needs my action" and, for a supervisor, how many worksheets wait for review (counted only
    when the navigation shows them, both in one statement)."""
    user = getattr(request, "user", None)
    counts = _once(lambda: _navigation_counts(request, user))
    return {
        "membership": getattr(user, "membership", None) if user else None,
        "reviews_waiting": lambda: counts()[1],
        "actions_waiting": lambda: counts()[0],
    }


def _once(count):
    """`count`, run at the first use only: a template calls a callable each time it reads it,
    and the navigation reads the review figure twice (`{% if %}`, then to print it)."""
    result: list = []

    def counted():
        if not result:
            result.append(count())
        return result[0]

    return counted


def _navigation_counts(request, user):
    """("Needs my action", reviews waiting): one query for both (`inbox.navigation_counts`)."""
    # Imported here: the views import the models, which are not ready when settings load.
    from .inbox import navigation_counts
    from .views.review import pending_reviews_for

    if user is None or not user.is_authenticated:
        return 0, 0
    known = getattr(request, "reviews_waiting", None)  # the review queue counted them itself
    reviews = None
    if known is None and user.has_perm("cases.review_worksheet"):
        reviews = pending_reviews_for(user)
    actions, waiting = navigation_counts(user, reviews=reviews)
    return actions, waiting if known is None else known
