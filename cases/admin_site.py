"""The Django admin site, for superusers only, without its "view on site" shortcut
(/admin/r/<type>/<id>/).

Django's shortcut redirects to any object's page whatever office it belongs to and answers 404
only for an id that does not exist, so a staff user could tell another office's ids from
missing ones (issue 13.5). Nothing here links to it (OfficeScopedAdmin.view_on_site is off);
its URL stays, under its name, and answers 404 for every id, existing or not.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.urls import path


def _no_shortcut(request, content_type_id, object_id):
    raise Http404("No such page.")


class ConsideredAdminSite(admin.AdminSite):
    """The deployment operator's tool (superusers only, issue 17.1): an office's administrator
    works in the app's Office area (cases.views.office) and never needs this site."""

    site_header = "Considered administration"
    site_title = "Considered"

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def get_urls(self):
        urls = [url for url in super().get_urls() if getattr(url, "name", None) != "view_on_site"]
        shortcut = path(
            "r/<int:content_type_id>/<path:object_id>/",
            self.admin_view(_no_shortcut),
            name="view_on_site",
        )
        # Before the admin's catch-all pattern, which is last.
        return [shortcut, *urls]


class ConsideredAdminConfig(AdminConfig):
    """INSTALLED_APPS names this instead of django.contrib.admin, to use the site above."""

    default_site = "cases.admin_site.ConsideredAdminSite"
