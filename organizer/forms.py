"""The base form every form in the kit derives from: whitespace stripped, CSRF owned."""
from __future__ import annotations

import re
import unicodedata

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField, widgets

# Control characters other than tab and newline never belong in user text (NUL breaks
# PostgreSQL, others confuse PDFs and terminals); Unicode format characters such as
# right-to-left marks are kept, since real names need them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value):
    """Strip surrounding whitespace, drop control characters and normalise to NFC."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", value)).strip()


def clean_line(value):
    """Like clean_text, for one-line fields: line breaks become spaces."""
    value = clean_text(value)
    return " ".join(value.split("\n")) if isinstance(value, str) else value


CSRF_EXPIRED = ("Your form session expired before you submitted (this happens if the page was "
                "open for a long time). What you typed is still here — please submit again.")


def csrf_expired(form: FlaskForm) -> bool:
    """True when a submitted form was refused for a missing or stale CSRF token.

    Views that carry a form check CSRF through the form itself (and are exempt from the global
    check), so an expired token re-shows the form with everything typed, instead of a bare 400.
    """
    return form.is_submitted() and bool(form.csrf_token.errors)


def flash_if_csrf_expired(form: FlaskForm) -> None:
    """Ask the user to submit again (what they typed is re-shown) after a stale CSRF token."""
    if csrf_expired(form):
        flash(CSRF_EXPIRED, "warning")


class BaseForm(FlaskForm):
    """A FlaskForm whose text fields are cleaned before validation."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", []))
            multi_line = issubclass(unbound_field.field_class, TextAreaField)
            filters.append(clean_text if multi_line else clean_line)
            return unbound_field.bind(form=form, filters=filters, **options)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of tick-boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        """Accept no ticks; otherwise every tick must be one of the choices."""
        if self.data:
            super().pre_validate(form)
