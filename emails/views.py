from django.views.generic import TemplateView


class IndexView(TemplateView):
    template_name = "placeholder.html"
    extra_context = {
        "section_title": "Emails",
        "section_icon": "bi-envelope",
        "empty_message": "No emails yet. The email editor arrives with the emails feature.",
    }
