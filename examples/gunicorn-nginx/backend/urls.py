from django.conf import settings
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import path

from fitness import views

urlpatterns = [
    path('', views.index, name='index'),
    path('api/workouts', views.workouts, name='workouts'),
]

if settings.DEBUG:
    urlpatterns += staticfiles_urlpatterns()
