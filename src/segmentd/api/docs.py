"""``/docs``: Swagger UI from files segmentd serves itself (works without internet access),
and the API-key security scheme in the OpenAPI document, so Authorize and "Try it out" work.

The Swagger UI files are swagger-ui-dist (Apache-2.0), vendored unmodified in
``api/swagger_ui/`` (see its ``VERSION``, ``LICENSE`` and ``NOTICE``).
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs/assets"
SCHEME = "ApiKey"  # the name LaunchDarkly's own OpenAPI document gives it
SECURITY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "An access token (`api-…`); `segmentd tokens create` prints one.",
}


def install(app: FastAPI) -> None:
    """Serve ``/docs`` and its assets, and declare the security scheme (call once)."""
    app.mount(ASSETS, StaticFiles(directory=str(files("segmentd.api") / "swagger_ui")))

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=str(app.openapi_url),
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=None,
            swagger_ui_parameters={"persistAuthorization": False, "tryItOutEnabled": False},
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_security(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_security(spec: dict[str, Any]) -> dict[str, Any]:
    """Declare the ``Authorization`` API key and require it on every ``/api/`` operation."""
    spec.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = SECURITY_SCHEME
    for path, operations in spec.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            operation["security"] = [{SCHEME: []}]
    return spec
