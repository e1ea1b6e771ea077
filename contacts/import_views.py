"""CSV import views: upload, map columns, preview, follow progress. (Placeholder being replaced.)"""

from django.http import HttpRequest, JsonResponse
from django.views.generic import TemplateView


class ImportUploadView(TemplateView):
    template_name = "placeholder.html"


ImportMappingView = ImportPreviewView = ImportProgressView = ImportUploadView


def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse({})
