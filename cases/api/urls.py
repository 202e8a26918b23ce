from django.contrib.auth.decorators import login_not_required
from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views

# The API authenticates by service token, not by session: Django's login redirect does not apply.
urlpatterns = [
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="api_schema"),
    path("changes/", login_not_required(views.Changes.as_view()), name="api_changes"),
    path("cases/<str:number>/", login_not_required(views.CaseDetail.as_view()), name="api_case"),
    path(
        "cases/<str:number>/worksheet.pdf",
        login_not_required(views.WorksheetPdf.as_view()),
        name="api_worksheet_pdf",
    ),
]
