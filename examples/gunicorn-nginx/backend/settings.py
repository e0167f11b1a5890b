"""Settings of the Radix Fitness backend. The database is the article's (PostgreSQL,
radix_fitness_postgresql_db, admin/admin, port 5432); the host is `localhost` when run by
hand and `db` (the compose service) from .dev.env."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get('SECRET_KEY', 'insecure-local-only')
DEBUG = os.environ.get('DEBUG', '0') in ('1', 'true', 'True')
ALLOWED_HOSTS = [h for h in os.environ.get('ALLOWED_HOSTS', 'localhost').split(',') if h]

INSTALLED_APPS = [
    'django.contrib.contenttypes',
    'django.contrib.staticfiles',
    'fitness',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.middleware.common.CommonMiddleware',
]

ROOT_URLCONF = 'backend.urls'
WSGI_APPLICATION = 'backend.wsgi.application'

TEMPLATES = [
    {
        'BACKEND': 'django.template.backends.django.DjangoTemplates',
        'DIRS': [],
        'APP_DIRS': True,
        'OPTIONS': {'context_processors': []},
    },
]

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'radix_fitness_postgresql_db',
        'USER': 'admin',
        'PASSWORD': 'admin',
        'HOST': os.environ.get('DATABASE_HOST', 'localhost'),
        'PORT': '5432',  # Default PostgreSQL port
    }
}
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'

# `RUN python manage.py collectstatic` collects here. In DEBUG, Django itself serves
# /static/ from the apps' static folders (nginx proxies everything to gunicorn).
STATIC_URL = '/static/'
STATIC_ROOT = BASE_DIR / 'static'

USE_TZ = True
TIME_ZONE = 'UTC'

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'root': {'handlers': ['console'], 'level': 'INFO'},
}
