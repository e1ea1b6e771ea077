from django.views.generic import TemplateView


class IndexView(TemplateView):
    template_name = "placeholder.html"
    extra_context = {
        "section_title": "Campaigns",
        "section_icon": "bi-diagram-3",
        "empty_message": "No campaigns yet. The campaign builder arrives with its feature.",
    }
