from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.IndexView.as_view(), name="list"),
]
