"""ASGI entry point, served by daphne (channels in production, web in development), the
channels2 way: set Django up, then hand over to the routing's application."""
import os

import django
from channels.routing import get_default_application

os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'django_proj.settings')
django.setup()
application = get_default_application()
