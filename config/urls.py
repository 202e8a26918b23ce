from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.views import auth as auth_screens
from cases.views.health import healthz

admin.site.site_header = "Considered administration"
admin.site.site_title = "Considered"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/verify/", auth_screens.otp_verify, name="otp_verify"),
    path("login/second-factor/", auth_screens.otp_enroll, name="otp_enroll"),
    path("login/backup-codes/", auth_screens.otp_backup_codes, name="otp_backup_codes"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("cases.api.urls")),
    path("", include("cases.urls")),
    path("", include("compliance.urls")),
]

# A database outage anywhere in the request becomes the 503 page; anything else the plain 500.
handler500 = "cases.errors.server_error"
