"""WSGI entry point, served by gunicorn (HTTP only)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stackdemo.settings")
application = get_wsgi_application()
