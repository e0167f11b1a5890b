import json

from channels.generic.websocket import AsyncWebsocketConsumer

GROUP = "broadcast"


class BroadcastConsumer(AsyncWebsocketConsumer):
    """Every connected client joins one group through the Redis channel layer; a text message
    from any client (or from `manage.py publish`) is sent to every member of the group."""

    async def connect(self):
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({"type": "welcome", "channel": self.channel_name}))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is None:
            return
        await self.channel_layer.group_send(
            GROUP, {"type": "broadcast.message", "text": text_data, "sender": self.channel_name}
        )

    async def broadcast_message(self, event):
        await self.send(
            text_data=json.dumps({"type": "message", "text": event["text"], "sender": event["sender"]})
        )
