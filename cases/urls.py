from django.urls import path

from .views import cases

urlpatterns = [
    path("", cases.home, name="home"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
]
