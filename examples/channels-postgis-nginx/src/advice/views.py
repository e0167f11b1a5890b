from django.db import DatabaseError, connection, transaction
from django.http import JsonResponse
from django.shortcuts import render

from .models import Visit


def _read(request):
    """Records the visit and reads everything the page shows from PostgreSQL: the tips the
    init script loaded from dbexport.pgsql, the visit count, and the PostGIS version that the
    postgis image's own init script installed."""
    served_by = 'asgi' if type(request).__name__ == 'ASGIRequest' else 'wsgi'
    Visit.objects.create(served_by=served_by)
    with connection.cursor() as cursor:
        cursor.execute('SELECT shop, tip FROM advisor_tip ORDER BY id')
        tips = [{'shop': shop, 'tip': tip} for shop, tip in cursor.fetchall()]
        try:
            with transaction.atomic():  # a savepoint: the error must not end the transaction
                cursor.execute('SELECT postgis_version()')
                postgis = cursor.fetchone()[0]
        except DatabaseError as exc:  # no PostGIS in this database: say so on the page
            postgis = None
            postgis_error = str(exc).strip()
    result = {'visits': Visit.objects.count(), 'tips': tips, 'postgis': postgis,
              'served_by': served_by}
    if postgis is None:
        result['postgis_error'] = postgis_error
    return result


def index(request):
    return render(request, 'advice/index.html', _read(request))


def api_advice(request):
    return JsonResponse(_read(request))
