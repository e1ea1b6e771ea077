from django.urls import path

from segments import views

app_name = "segments"

urlpatterns = [
    path("", views.IndexView.as_view(), name="list"),
]
