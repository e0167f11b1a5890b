"""Settings of the server project. Every value comes from the environment or config/.env
(python-decouple; the environment wins), so one image serves every DJANGO_ENV."""
from pathlib import Path

from decouple import AutoConfig, Csv

BASE_DIR = Path(__file__).resolve().parent.parent
config = AutoConfig(search_path=BASE_DIR / 'config')

DJANGO_ENV = config('DJANGO_ENV', default='development')
PRODUCTION = DJANGO_ENV == 'production'

SECRET_KEY = config('DJANGO_SECRET_KEY')
DEBUG = not PRODUCTION
DOMAIN_NAME = config('DOMAIN_NAME', default='localhost')
ALLOWED_HOSTS = [DOMAIN_NAME] if PRODUCTION else config(
    'DJANGO_ALLOWED_HOSTS', default='localhost,127.0.0.1,[::1]', cast=Csv())

INSTALLED_APPS = [
    'django.contrib.contenttypes',
    'django.contrib.staticfiles',
    'server.apps.main',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.middleware.clickjacking.XFrameOptionsMiddleware',
]

ROOT_URLCONF = 'server.urls'
WSGI_APPLICATION = 'server.wsgi.application'

TEMPLATES = [{
    'BACKEND': 'django.template.backends.django.DjangoTemplates',
    'DIRS': [],
    'APP_DIRS': True,
    'OPTIONS': {'context_processors': []},
}]

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': config('POSTGRES_DB'),
        'USER': config('POSTGRES_USER'),
        'PASSWORD': config('POSTGRES_PASSWORD'),
        'HOST': config('DJANGO_DATABASE_HOST'),
        'PORT': config('DJANGO_DATABASE_PORT', cast=int),
        'CONN_MAX_AGE': 60,
    },
}
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'

USE_TZ = True
TIME_ZONE = 'UTC'

# Collected into, and uploaded to, the named volumes that Caddy serves read-only.
STATIC_URL = '/static/'
STATIC_ROOT = '/var/www/django/static'
MEDIA_URL = '/media/'
MEDIA_ROOT = '/var/www/django/media'

X_FRAME_OPTIONS = 'DENY'

if PRODUCTION:
    # Caddy terminates TLS and says so in X-Forwarded-Proto; Django still redirects plain
    # HTTP to HTTPS and marks its cookies secure, as `check --deploy` requires.
    SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'root': {'handlers': ['console'], 'level': 'INFO'},
}
