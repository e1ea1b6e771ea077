from django.urls import path

from contacts import import_views, views

app_name = "contacts"

urlpatterns = [
    path("", views.ContactListView.as_view(), name="list"),
    path("new/", views.ContactCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ContactDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ContactUpdateView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.ContactDeleteView.as_view(), name="delete"),
    path("import/", import_views.ImportUploadView.as_view(), name="import-upload"),
    path("import/<int:pk>/map/", import_views.ImportMappingView.as_view(), name="import-map"),
    path(
        "import/<int:pk>/preview/", import_views.ImportPreviewView.as_view(), name="import-preview"
    ),
    path("import/<int:pk>/", import_views.ImportProgressView.as_view(), name="import-progress"),
    path("import/<int:pk>/status/", import_views.import_status, name="import-status"),
]
