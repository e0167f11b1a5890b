from django.conf import settings
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import path

from counter import views

urlpatterns = [
    path("", views.index, name="index"),
    path("health", views.health, name="health"),
    path("api/counter", views.counter, name="counter"),
    path("api/places", views.places, name="places"),
]

if settings.DEBUG:
    # Dev shape only (no nginx): Django serves /static/ from the apps' static directories.
    urlpatterns += staticfiles_urlpatterns()
