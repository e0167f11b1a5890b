from django.db import models


class Todo(models.Model):
    """A todo with an optional attachment (an upload kept under MEDIA_ROOT)."""
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    attachment = models.FileField(upload_to='attachments/', blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.title
