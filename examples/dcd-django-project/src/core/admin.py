from django.contrib import admin

from core.models import Todo

admin.site.register(Todo)
