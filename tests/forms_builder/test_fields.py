"""Field types on their own: choices parsing, stored values, what people read, totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from forms_builder.fields import (
    CheckboxType,
    DateType,
    NumberType,
    RenderContext,
    SelectType,
    field_types,
    get_field_type,
    now_context,
    parse_choices,
)
from forms_builder.models import Field, Form
from forms_builder.public_form import PublicForm

CONTEXT = RenderContext(now=timezone.now())


def test_choices_one_a_line_with_optional_values() -> None:
    assert parse_choices(" Red \n\nb|Blue\n g | Green & more ") == [
        ("Red", "Red"),
        ("b", "Blue"),
        ("g", "Green & more"),
    ]
    with pytest.raises(ValidationError):
        parse_choices("a\na|Again")
    with pytest.raises(ValidationError):
        parse_choices("\n".join(str(n) for n in range(201)))


def test_the_standard_types_are_registered_first() -> None:
    keys = [field_type.key for field_type in field_types()]
    assert keys[:10] == [
        "text",
        "email",
        "textarea",
        "select",
        "radio",
        "checkbox",
        "checkboxes",
        "number",
        "date",
        "hidden",
    ]
    assert get_field_type("nope") is None


@pytest.mark.parametrize("written", ["1_0", "١٢", "１", "1.2.3", "0x10", "1e", "NaN", "Infinity"])
def test_a_number_not_written_with_ascii_digits_is_refused(written: str) -> None:
    """Python's Decimal reads "1_0" as 10 and other scripts' digits too."""
    number = NumberType().form_field(
        Field(field_type="number", label="N", config={}), now_context()
    )
    with pytest.raises(ValidationError, match=r"Enter a number\."):
        number.clean(written)


@pytest.mark.parametrize(("written", "value"), [("42", "42"), (" -1.5 ", "-1.5"), ("1e3", "1E+3")])
def test_a_number_as_people_write_it(written: str, value: str) -> None:
    number = NumberType().form_field(
        Field(field_type="number", label="N", config={}), now_context()
    )
    assert str(number.clean(written)) == value


def test_numbers_are_stored_without_exponents_or_trailing_zeros() -> None:
    number = NumberType()
    field = Field(field_type="number", config={})
    assert number.to_stored(field, Decimal("2.50")) == "2.5"
    assert number.to_stored(field, Decimal("1E+1")) == "10"
    assert number.to_stored(field, None) == ""


def test_dates_checkboxes_and_choices_read_back_for_people() -> None:
    assert DateType().to_stored(Field(), date(2027, 1, 12)) == "2027-01-12"
    assert CheckboxType().display(Field(), "yes", CONTEXT) == "Yes"
    assert CheckboxType().display(Field(), "", CONTEXT) == "No"
    select = Field(field_type="select", config={"choices": [["m", "Medium"]]})
    assert SelectType().display(select, "m", CONTEXT) == "Medium"
    assert SelectType().display(select, "gone", CONTEXT) == "gone"


def test_the_total_of_the_answers_is_limited() -> None:
    form = Form(name="F", slug="f", max_body_bytes=1024)
    fields = [
        Field(key=f"t{n}", field_type="textarea", label=f"T{n}", max_length=20000) for n in range(3)
    ]
    data = {f"t{n}": "ü" * 200 for n in range(3)}  # 1,200 bytes of UTF-8 altogether
    public = PublicForm(form, fields, CONTEXT, data=data)
    assert not public.is_valid()
    assert "too long altogether" in public.non_field_errors()[0]
