from django.db import connection
from django.http import HttpResponse, JsonResponse


def _log_workout():
    """Logs one workout and reads them back. The table is created on first use, so the stack
    needs no separate migrate step (the article's Dockerfile runs none)."""
    with connection.cursor() as cursor:
        cursor.execute('CREATE TABLE IF NOT EXISTS fitness_workout ('
                       'id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())')
        cursor.execute('INSERT INTO fitness_workout DEFAULT VALUES')
        cursor.execute('SELECT count(*), version(), current_database() FROM fitness_workout')
        count, version, database = cursor.fetchone()
    return {'workouts': count, 'postgres': version, 'database': database}


def workouts(request):
    return JsonResponse(_log_workout())


def index(request):
    data = _log_workout()
    return HttpResponse(
        '<!doctype html><html><head><link rel="stylesheet" href="/static/fitness/radix.css">'
        f'<title>Radix Fitness</title></head><body><h1>Radix Fitness</h1>'
        f'<p id="workouts">workouts logged: {data["workouts"]}</p>'
        f'<p>{data["postgres"]} ({data["database"]})</p></body></html>')
