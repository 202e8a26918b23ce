def membership(request):
    """The signed-in user's office membership, for the navigation bar; for a supervisor, how
    many worksheets wait for review (counted only when the navigation shows it)."""
    user = getattr(request, "user", None)
    return {
        "membership": getattr(user, "membership", None) if user else None,
        "reviews_waiting": _once(lambda: _reviews_waiting(user)),
        "actions_waiting": _once(lambda: _actions_waiting(user)),
    }


def _once(count):
    """`count`, run at the first use only: a template calls a callable each time it reads it,
    and the navigation reads the review figure twice (`{% if %}`, then to print it)."""
    result: list[int] = []

    def counted():
        if not result:
            result.append(count())
        return result[0]

    return counted


def _reviews_waiting(user):
    # Imported here: the views import the models, which are not ready when settings load.
    from .views.review import pending_reviews_for

    if user is None or not user.is_authenticated or not user.has_perm("cases.review_worksheet"):
        return 0
    return pending_reviews_for(user).count()


def _actions_waiting(user):
    """The "Needs my action" figure: one query, counted only when the navigation shows it."""
    from .inbox import action_count

    if user is None or not user.is_authenticated:
        return 0
    return action_count(user)
