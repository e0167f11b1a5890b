import os

from django.db import connection, transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render

from .models import Counter


def _server(request):
    # Which application server answered: gunicorn serves WSGI, daphne serves ASGI.
    return "asgi" if type(request).__name__ == "ASGIRequest" else "wsgi"


def index(request):
    return render(request, "counter/index.html")


def health(request):
    """200 "ok" when the database answers; 503 otherwise (so probes see a broken DB)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any DB error means unhealthy
        return HttpResponse(f"database unavailable: {exc}\n", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def counter(request):
    """Increment the "hits" counter in PostgreSQL and return its new value."""
    with transaction.atomic():
        Counter.objects.get_or_create(name="hits")
        Counter.objects.filter(name="hits").update(value=F("value") + 1)
        value = Counter.objects.get(name="hits").value
    return JsonResponse({"count": value, "server": _server(request), "pid": os.getpid()})


def places(request):
    """The PostGIS version and the rows the initdb.d scripts seeded on first initialisation."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT postgis_version()")
        postgis = cursor.fetchone()[0]
        cursor.execute(
            "SELECT name, ST_X(location::geometry), ST_Y(location::geometry) FROM places ORDER BY name"
        )
        rows = [{"name": n, "lon": x, "lat": y} for n, x, y in cursor.fetchall()]
        cursor.execute(
            "SELECT round(ST_Distance(a.location, b.location) / 1000) FROM places a, places b "
            "WHERE a.name = 'Paris' AND b.name = 'London'"
        )
        distance = cursor.fetchone()
    return JsonResponse(
        {
            "postgis_version": postgis,
            "places": rows,
            "paris_london_km": distance[0] if distance else None,
        }
    )
