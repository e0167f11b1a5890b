"""'urls.py equivalent' for channels: websockets go to the consumers, HTTP to Django."""
from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application
from django.urls import path

from advice.consumers import AdviceConsumer

application = ProtocolTypeRouter({
    'http': get_asgi_application(),
    'websocket': URLRouter([
        path('ws/advice/', AdviceConsumer.as_asgi()),
    ]),
})
