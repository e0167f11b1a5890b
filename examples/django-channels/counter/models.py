from django.db import models


class Counter(models.Model):
    """A named counter; the /api/counter view increments "hits" once per request."""

    name = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name}={self.value}"
