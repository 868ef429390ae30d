"""The base form every form in the kit derives from: whitespace stripped, CSRF owned."""
from __future__ import annotations

import re
import unicodedata

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, widgets

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


class BaseForm(FlaskForm):
    """A FlaskForm whose text fields are cleaned before validation."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", []))
            filters.append(clean_text)
            return unbound_field.bind(form=form, filters=filters, **options)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of tick-boxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        """Accept no ticks; otherwise every tick must be one of the choices."""
        if self.data:
            super().pre_validate(form)
