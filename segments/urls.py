from django.urls import path

from segments import views

app_name = "segments"

urlpatterns = [
    path("", views.SegmentListView.as_view(), name="list"),
    path("new/", views.SegmentFormView.as_view(), name="create"),
    path("preview/", views.preview, name="preview"),
    path("<int:pk>/", views.SegmentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SegmentFormView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.SegmentDeleteView.as_view(), name="delete"),
    path("<int:pk>/rebuild/", views.rebuild_now, name="rebuild"),
    path("<int:pk>/members/add/", views.member_add, name="member-add"),
    path("<int:pk>/members/<int:contact_pk>/remove/", views.member_remove, name="member-remove"),
    path("<int:pk>/members/<int:contact_pk>/reset/", views.member_reset, name="member-reset"),
    path("contact/<int:contact_pk>/add/", views.contact_add, name="contact-add"),
]
