"""Guest-facing RSVP pages."""
from flask import Blueprint

bp = Blueprint("rsvp", __name__)
