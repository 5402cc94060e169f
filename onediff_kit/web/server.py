"""uvicorn for the app of :func:`~onediff_kit.web.app.build_app`: it stops
promptly on Ctrl+C or SIGTERM even while pages are open.

Imported only when serving: it needs the ``[web]`` extra (uvicorn comes
with gradio).
"""
import uvicorn

# Seconds a stopping server gives requests in progress to finish.
GRACEFUL_SHUTDOWN_S = 5


class PageServer(uvicorn.Server):
    """uvicorn's server that, when it stops, first ends the streams of open
    pages (``app.state.page_stop_event``), which it would otherwise wait
    for without end."""

    async def shutdown(self, sockets=None):
        self.config.app.state.page_stop_event.set()
        await super().shutdown(sockets)


def run_server(app, host, port):
    """Serve ``app`` on ``host:port`` until Ctrl+C or SIGTERM.

    Args:
        app (fastapi.FastAPI): from ``build_app``.
        host (str): address to bind.
        port (int): port to bind.
    """
    server = PageServer(uvicorn.Config(
        app, host=host, port=port, log_level='warning',
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S))
    try:
        server.run()
    except KeyboardInterrupt:  # Ctrl+C, after the graceful shutdown
        pass
