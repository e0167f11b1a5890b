"""Settings of django_proj (the shopping advisor).

Everything that differs between environments comes from the env_file lines of the compose
files (./src/.env, then .env.prod or .env.dev): the database from POSTGRES_*, the rest from
DEBUG, SECRET_KEY and ALLOWED_HOSTS. The printed .env files carry notes after their values
("ALLOWED_HOSTS=*   (list of ...)"), which compose passes on as part of the value: a note in
parentheses is dropped here.
"""
import os
import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env_value(name, default=''):
    value = os.environ.get(name, default).strip()
    return re.split(r'\s+\(', value, maxsplit=1)[0].strip()


SECRET_KEY = env_value('SECRET_KEY')
DEBUG = env_value('DEBUG', 'False').lower() in ('1', 'true', 'yes', 'on')
ALLOWED_HOSTS = [h for h in re.split(r'[,\s]+', env_value('ALLOWED_HOSTS')) if h]

INSTALLED_APPS = [
    'django.contrib.contenttypes',
    'django.contrib.staticfiles',
    'channels',
    'advice',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.middleware.common.CommonMiddleware',
]

ROOT_URLCONF = 'django_proj.urls'
WSGI_APPLICATION = 'django_proj.wsgi.application'
ASGI_APPLICATION = 'django_proj.routing.application'

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
        'NAME': os.environ.get('POSTGRES_DB', 'advisor'),
        'USER': os.environ.get('POSTGRES_USER', 'my_advisor_user'),
        'PASSWORD': os.environ.get('POSTGRES_PASSWORD', ''),
        'HOST': os.environ.get('POSTGRES_HOST', 'db'),
        'PORT': os.environ.get('POSTGRES_PORT', '5432'),
    }
}
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'

# channels2: the group layer lives in the redis service (compose `links: - redis`).
CHANNEL_LAYERS = {
    'default': {
        'BACKEND': 'channels_redis.core.RedisChannelLayer',
        'CONFIG': {'hosts': [(os.environ.get('REDIS_HOST', 'redis'), 6379)]},
    },
}

# nginx serves /static/ from ./src/static (mounted at /var/www/static) and /media/ from
# ./src/media: Django only has to know the URLs and where the files are.
STATIC_URL = '/static/'
STATICFILES_DIRS = [BASE_DIR / 'static']
MEDIA_URL = '/media/'
MEDIA_ROOT = BASE_DIR / 'media'

USE_TZ = True
TIME_ZONE = 'UTC'

# False, or daphne's and gunicorn's own startup lines would be silenced.
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'console': {'class': 'logging.StreamHandler'}},
    'root': {'handlers': ['console'], 'level': 'INFO'},
}
