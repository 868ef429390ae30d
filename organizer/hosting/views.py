"""Host pages."""
from flask import Blueprint

bp = Blueprint("hosting", __name__, url_prefix="/host")
