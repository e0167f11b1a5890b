from django.db import connection
from django.http import HttpResponse, JsonResponse

from server.apps.main.models import Visit


def _visit():
    """Records a visit and reads the count back, with the server that answered."""
    Visit.objects.create()
    with connection.cursor() as cursor:
        cursor.execute('SELECT version(), current_database()')
        version, database = cursor.fetchone()
    return {'visits': Visit.objects.count(), 'postgres': version, 'database': database}


def visits(request):
    return JsonResponse({**_visit(), 'secure': request.is_secure()})


def index(request):
    data = _visit()
    return HttpResponse(
        '<!doctype html><html><head><title>Caddy shop</title>'
        '<link rel="stylesheet" href="/static/main/css/site.css"></head><body>'
        f'<h1>Caddy shop</h1><p id="visits">visits: {data["visits"]}</p>'
        f'<p>{data["postgres"]} ({data["database"]})</p></body></html>')
