from django.urls import path

from server.apps.main import views

urlpatterns = [
    path('', views.index, name='index'),
    path('api/visits', views.visits, name='visits'),
]
