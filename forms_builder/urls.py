from django.urls import path

from forms_builder import results_views, services, views

app_name = "forms_builder"

urlpatterns = [
    path("", views.FormListView.as_view(), name="list"),
    path("new/", views.FormCreateView.as_view(), name="create"),
    path("<int:pk>/", views.FormDetailView.as_view(), name="detail"),
    path("<int:pk>/settings/", views.FormSettingsView.as_view(), name="settings"),
    path("<int:pk>/delete/", views.FormDeleteView.as_view(), name="delete"),
    path("<int:pk>/publish/", views.PublishView.as_view(), name="publish"),
    path("<int:pk>/preview/", views.PreviewView.as_view(), name="preview"),
    path("<int:pk>/fields/add/<slug:field_type>/", views.FieldEditView.as_view(), name="field-add"),
    path("<int:pk>/fields/<int:field_id>/", views.FieldEditView.as_view(), name="field-edit"),
    path(
        "<int:pk>/fields/<int:field_id>/delete/",
        views.FieldDeleteView.as_view(),
        name="field-delete",
    ),
    path("<int:pk>/fields/order/", views.ReorderView.as_view(), name="field-order"),
    path(
        "<int:pk>/actions/add/<slug:action_type>/",
        views.ActionEditView.as_view(),
        name="action-add",
    ),
    path("<int:pk>/actions/<int:action_id>/", views.ActionEditView.as_view(), name="action-edit"),
    path(
        "<int:pk>/actions/<int:action_id>/delete/",
        views.ActionDeleteView.as_view(),
        name="action-delete",
    ),
    path(
        "<int:pk>/actions/order/",
        views.ReorderView.as_view(reorder=services.reorder_actions, anchor="actions"),
        name="action-order",
    ),
    path("<int:pk>/submissions/", results_views.SubmissionListView.as_view(), name="submissions"),
    path("<int:pk>/submissions/export.csv", results_views.ExportView.as_view(), name="export"),
    path(
        "<int:pk>/submissions/<int:submission_id>/",
        results_views.SubmissionDetailView.as_view(),
        name="submission",
    ),
    path(
        "<int:pk>/submissions/<int:submission_id>/results/<int:result_id>/retry/",
        results_views.RetryActionView.as_view(),
        name="result-retry",
    ),
]
