from django.db import models


class Visit(models.Model):
    """One row per page view: the count shows that the data survives a restart."""
    at = models.DateTimeField(auto_now_add=True)
    served_by = models.CharField(max_length=8)
