from django.urls import path

from advice import views

urlpatterns = [
    path('', views.index, name='index'),
    path('api/advice', views.api_advice, name='api-advice'),
]
