from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpResponse, JsonResponse

from core.models import Todo


def _state(request):
    """Adds a todo when asked (?add=TITLE), then reads the todos and the admins back."""
    if request.GET.get('add'):
        Todo.objects.create(title=request.GET['add'])
    with connection.cursor() as cursor:
        cursor.execute('SELECT version(), current_database()')
        version, database = cursor.fetchone()
    return {
        'todos': list(Todo.objects.order_by('id').values_list('title', flat=True)),
        'superusers': list(get_user_model().objects.filter(is_superuser=True)
                           .order_by('username').values_list('username', flat=True)),
        'database': database,
        'postgres': version,
    }


def todos(request):
    return JsonResponse(_state(request))


def index(request):
    data = _state(request)
    items = ''.join(f'<li>{t}</li>' for t in data['todos'])
    return HttpResponse(
        '<!doctype html><html><head><title>Todos</title></head><body><h1>Todos</h1>'
        f'<ul id="todos">{items}</ul><p>{data["postgres"]} ({data["database"]})</p>'
        '</body></html>')
