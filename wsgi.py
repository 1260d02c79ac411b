"""WSGI entry point: `flask --app wsgi ...` and `gunicorn -k gevent wsgi:app`.

The configuration is chosen by LMS_CONFIG (development, testing or production).
"""

import os

from lms import create_app

app = create_app(os.environ.get("LMS_CONFIG", "development"))
