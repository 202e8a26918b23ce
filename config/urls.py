from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cases.views import healthz

admin.site.site_header = "Considered administration"
admin.site.site_title = "Considered"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("cases.urls")),
]
