from django.views.generic import TemplateView


class IndexView(TemplateView):
    template_name = "placeholder.html"
    extra_context = {
        "section_title": "Forms",
        "section_icon": "bi-ui-checks",
        "empty_message": "No forms yet. The form builder arrives with the forms feature.",
    }
