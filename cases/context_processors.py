def membership(request):
    """The signed-in user's office membership, for the navigation bar."""
    user = getattr(request, "user", None)
    return {"membership": getattr(user, "membership", None) if user else None}
