from django.urls import include, path

from gotoplugins import views

app_name = "gotoplugins"

urlpatterns = [
    path("", views.PluginsView.as_view(), name="index"),
    path("accounts/new/", views.AccountCreateView.as_view(), name="account-create"),
    path("accounts/<int:pk>/", views.AccountUpdateView.as_view(), name="account-edit"),
    path("accounts/<int:pk>/connect/", views.ConnectView.as_view(), name="account-connect"),
    path(
        "accounts/<int:pk>/disconnect/",
        views.AccountActionView.as_view(action="disconnect"),
        name="account-disconnect",
    ),
    path(
        "accounts/<int:pk>/delete/",
        views.AccountActionView.as_view(action="delete"),
        name="account-delete",
    ),
    path("oauth/callback/", views.OAuthCallbackView.as_view(), name="oauth-callback"),
    path("products/<slug:product>/", views.ProductUpdateView.as_view(), name="product-update"),
    path("products/<slug:product>/test/", views.TestConnectionView.as_view(), name="product-test"),
    path("products/<slug:product>/sync/", views.SyncNowView.as_view(), name="product-sync"),
    path("registrations/", include("gotoplugins.registration_views")),
]
