"""`manage.py wait_for_db`: waits until the database accepts connections. depends_on only
orders the starts; PostgreSQL takes a while longer to accept connections."""
import time

from django.core.management.base import BaseCommand
from django.db import connections
from django.db.utils import OperationalError


class Command(BaseCommand):
    help = 'Waits for the database to accept connections'

    def handle(self, *args, **options):
        self.stdout.write('Waiting for database...')
        while True:
            try:
                connections['default'].ensure_connection()
                break
            except OperationalError:
                self.stdout.write('Database unavailable, waiting 1 second...')
                time.sleep(1)
        self.stdout.write(self.style.SUCCESS('Database available!'))
