from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.management.base import BaseCommand

from counter.consumers import GROUP


class Command(BaseCommand):
    help = "Send a text message to every websocket client, from outside the web servers."

    def add_arguments(self, parser):
        parser.add_argument("text")

    def handle(self, *args, **options):
        layer = get_channel_layer()
        async_to_sync(layer.group_send)(
            GROUP, {"type": "broadcast.message", "text": options["text"], "sender": "publish"}
        )
        self.stdout.write(f"published to group {GROUP!r}")
