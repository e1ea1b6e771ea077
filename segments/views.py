from django.views.generic import TemplateView


class IndexView(TemplateView):
    template_name = "placeholder.html"
    extra_context = {
        "section_title": "Segments",
        "section_icon": "bi-funnel",
        "empty_message": "No segments yet. The segment builder arrives with the segments feature.",
    }
