"""WSGI entry point, served by gunicorn (the web service in production)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'django_proj.settings')

application = get_wsgi_application()
