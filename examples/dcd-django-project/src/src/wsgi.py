"""WSGI config of the project `src`: uwsgi's `--module src.wsgi` loads `application`."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'src.settings')

application = get_wsgi_application()
