from django.views.generic import TemplateView

from accounts.permissions import AdminRequiredMixin


class IndexView(AdminRequiredMixin, TemplateView):
    """The Plugins page: admins only, since it will hold GoTo credentials."""

    template_name = "placeholder.html"
    extra_context = {
        "section_title": "Plugins",
        "section_icon": "bi-plug",
        "empty_message": "No GoTo product is connected yet. Connecting GoToWebinar, GoToMeeting, "
        "GoToTraining and GoToAssist arrives with the GoTo connections feature.",
    }
