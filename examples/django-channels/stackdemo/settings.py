"""Settings for the stackvisor Django + Channels example.

Everything comes from environment variables (the manifest passes them from .env); nothing
secret is written here. DJANGO_SECRET_KEY and POSTGRES_PASSWORD have no default on purpose.
"""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=None, required=False):
    value = os.environ.get(name, default)
    if required and not value:
        raise RuntimeError(f"environment variable {name} must be set (see .env.example)")
    return value


def env_bool(name, default="0"):
    return env(name, default).strip().lower() in ("1", "true", "yes", "on")


# Relative STATE_DIR values are relative to the project directory (the services' working_dir).
# The default is compose.yaml's (stackvisor's STACKVISOR_STATE_HOME), for manage.py run by hand.
if os.geteuid() == 0:
    _STATE_HOME = "/var/lib/stackvisor"
else:
    _xdg = os.environ.get("XDG_STATE_HOME", "")
    _STATE_HOME = (_xdg if _xdg.startswith("/") else os.path.expanduser("~/.local/state")) + "/stackvisor"
STATE_DIR = (BASE_DIR / env("STATE_DIR", f"{_STATE_HOME}/django-channels")).resolve()

SECRET_KEY = env("DJANGO_SECRET_KEY", required=True)
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]

# Not "daphne" (which would only make `runserver` the ASGI one; this stack runs daphne itself):
# it imports twisted, whose import consumes LISTEN_PID/LISTEN_FDS from the environment, so in
# gunicorn --preload the app would take the socket stackvisor passes away from gunicorn.
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "channels",
    "counter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "stackdemo.urls"
WSGI_APPLICATION = "stackdemo.wsgi.application"
ASGI_APPLICATION = "stackdemo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.debug"]},
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env("POSTGRES_DB", "app"),
        "USER": env("POSTGRES_USER", "app"),
        "PASSWORD": env("POSTGRES_PASSWORD", required=True),
        "HOST": env("POSTGRES_HOST", "127.0.0.1"),
        "PORT": env("POSTGRES_PORT", "55432"),
        "CONN_MAX_AGE": int(env("POSTGRES_CONN_MAX_AGE", "60")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [env("REDIS_URL", "redis://127.0.0.1:56379/0")]},
    }
}

# Static files: collected into the state directory by the collectstatic one-shot, served by
# nginx. nginx's workers run as `nobody` when nginx is started as root, so what is collected
# must be world-readable whatever the umask: set the modes explicitly.
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", str(STATE_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", str(STATE_DIR / "media"))
FILE_UPLOAD_PERMISSIONS = 0o644
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o755

USE_TZ = True
TIME_ZONE = "UTC"

# disable_existing_loggers must stay False: daphne and gunicorn configure their loggers
# before Django does, and True would silence their startup lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{levelname} {name}: {message}", "style": "{"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per request is already logged by gunicorn/daphne/nginx.
        "django.server": {"level": "WARNING"},
    },
}
