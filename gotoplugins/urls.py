from django.urls import path

from gotoplugins import views

app_name = "gotoplugins"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
]
