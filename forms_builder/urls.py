from django.urls import path

from forms_builder import views

app_name = "forms_builder"

urlpatterns = [
    path("", views.IndexView.as_view(), name="list"),
]
