"""The staff console under /admin: sign-in, pages and their assets, all served by the app."""

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.app import Relais
from bot.web.admin.auth import auth_routes
from bot.web.admin.campaigns import campaign_routes
from bot.web.admin.console import HERE, Console
from bot.web.admin.consultations import consultation_routes
from bot.web.admin.contacts import contact_routes
from bot.web.admin.events import event_routes
from bot.web.admin.pages import page_routes
from bot.web.security import SessionSigner


def admin_routes(relais: Relais, signer: SessionSigner) -> list[BaseRoute]:
    """Return every route of the console."""
    console = Console(relais, signer)
    return [
        *auth_routes(console),
        *page_routes(console),
        *campaign_routes(console),
        *consultation_routes(console),
        *event_routes(console),
        *contact_routes(console),
        Mount("/admin/static", StaticFiles(directory=HERE / "static"), name="admin-static"),
    ]


__all__ = ["admin_routes"]
