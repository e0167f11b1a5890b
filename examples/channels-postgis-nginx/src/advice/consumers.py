import json

from channels.generic.websocket import AsyncWebsocketConsumer

GROUP = 'advice'


class AdviceConsumer(AsyncWebsocketConsumer):
    """Every client joins one group of the Redis channel layer; a message from any client is
    sent to the whole group, so each one travels daphne -> Redis -> daphne."""

    async def connect(self):
        await self.channel_layer.group_add(GROUP, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({'type': 'welcome', 'channel': self.channel_name}))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(GROUP, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is not None:
            await self.channel_layer.group_send(
                GROUP, {'type': 'advice.message', 'text': text_data, 'sender': self.channel_name})

    async def advice_message(self, event):
        await self.send(text_data=json.dumps(
            {'type': 'message', 'text': event['text'], 'sender': event['sender']}))
