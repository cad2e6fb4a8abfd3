"""The REST API (FAB ModelRestApi, JWT from /api/v1/security/login, OpenAPI at /api/v1/_openapi)."""
from flask_appbuilder import AppBuilder
from flask_appbuilder.api.manager import OpenApi

from app.api.application import ApplicationApi
from app.api.profile import PROFILE_APIS


def register_apis(appbuilder: AppBuilder) -> None:
    """Add the project's APIs and the OpenAPI document (FAB's Swagger UI stays off: it loads a CDN).

    FAB itself registers /api/v1/security/login, the JWT login, which goes through auth_user_db.
    """
    for api in PROFILE_APIS:
        appbuilder.add_api(api)
    appbuilder.add_api(ApplicationApi)
    appbuilder.add_api(OpenApi)
