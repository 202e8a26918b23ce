"""A real OpenID Connect provider on loopback for the single sign-on tests.

django-oauth-toolkit's OIDC support, in its own settings module, with its own SQLite file, served
by a second process that the tests start (`tests/sso_test_support.py`). It is the county's
identity provider as far as Considered can tell: discovery, the code flow with PKCE, RS256-signed
ID tokens with a JWKS, userinfo, and the `groups`, `amr` and `acr` claims.
"""
