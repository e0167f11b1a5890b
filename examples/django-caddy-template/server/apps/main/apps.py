from django.apps import AppConfig


class MainConfig(AppConfig):
    name = 'server.apps.main'
    label = 'main'
