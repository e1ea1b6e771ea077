from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from contacts import importer


class ImportUploadForm(forms.Form):
    """The CSV file; clean() leaves the checked file in `csv_file`."""

    file = forms.FileField(label="CSV file")
    delimiter = forms.ChoiceField(
        label="Separator",
        required=False,
        choices=[("", "Detect automatically"), *importer.DELIMITER_LABELS.items()],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.csv_file: importer.CsvFile | None = None
        self.fields["file"].help_text = (
            "UTF-8 (with or without byte-order mark) or Latin-1, separated by commas, "
            f"semicolons or tabs, with a header row. Up to {self.limit_label()}."
        )
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.tsv,text/csv,text/plain"

    @staticmethod
    def limit_label() -> str:
        return str(filesizeformat(settings.CONTACT_IMPORT_MAX_BYTES))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.CONTACT_IMPORT_MAX_BYTES:
            raise ValidationError(
                f"The file is {filesizeformat(upload.size)}; files up to {self.limit_label()} "
                "can be imported. Split it into smaller files.",
                code="too_large",
            )
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        upload.seek(0)
        try:
            self.csv_file = importer.read_csv(upload.read(), cleaned.get("delimiter") or None)
        except importer.ImportFileError as error:
            self.add_error("file", str(error))
        return cleaned


class ImportMappingForm(forms.Form):
    """One select per column of the file, named col_<index>."""

    def __init__(
        self, *args: Any, headers: list[str], mapping: dict[str, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=importer.column_label(headers, index),
                choices=importer.column_choices(header),
                required=False,
                initial=mapping.get(str(index), ""),
            )

    def columns(self) -> list[forms.BoundField]:
        return [self[f"col_{index}"] for index in range(len(self.headers))]

    def mapping(self) -> dict[str, str]:
        return {
            str(index): self.cleaned_data.get(f"col_{index}") or ""
            for index in range(len(self.headers))
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            problems = importer.mapping_problems(self.mapping(), self.headers)
            if problems:
                raise ValidationError(problems)
        return cleaned
