"""Small routers mounted under ``/v1`` by :func:`service.api.app.create_app`."""
