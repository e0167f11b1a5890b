"""mysite URL Configuration: the admin app is the "app" for now."""
from django.contrib import admin
from django.urls import path

urlpatterns = [
    path('admin/', admin.site.urls),
]
