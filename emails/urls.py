from django.urls import path

from emails import views

app_name = "emails"

urlpatterns = [
    path("", views.IndexView.as_view(), name="list"),
]
