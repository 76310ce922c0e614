"""REST API at /api/v1 (OpenAPI at /api/v1/openapi.json): authentication, the error handlers and one router
per app. Endpoints keep the pages' permissions (each app's access.py) and actions (each app's actions.py).

Every error is JSON `{"detail": ..., "code": ...}`: a domain refusal (`fieldcrm.errors`) with its own status,
code and, when one input is at fault, its `field`; `PermissionDenied` 403 (`forbidden`); `Http404` 404
(`not_found`); a multipart body that cannot be parsed 400 (`malformed_body`); a body above the upload limit 413
(`too_large`: the phone does not resend it); invalid input 422 (`invalid_schema`, ninja's list of errors naming
each field); anything else a logged 500 (`server_error`) —
never an HTML page or a traceback, whatever DEBUG says."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie

from fieldcrm.care.api import router as care_router
from fieldcrm.catalog.api import router as catalog_router
from fieldcrm.customers.api import router as customers_router
from fieldcrm.errors import Refusal
from fieldcrm.field.api import router as field_router
from fieldcrm.followup.api import router as followup_router
from fieldcrm.monopoly.api import router as monopoly_router
from fieldcrm.notices.api import router as notices_router
from fieldcrm.org.models import ApiToken
from fieldcrm.photos.api import router as photos_router
from fieldcrm.sales.api import router as sales_router
from fieldcrm.schemas import document_common_answers
from fieldcrm.visits.api import router as visits_router

log = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: no cookie is involved, so no CSRF check either."""

    def authenticate(self, request: HttpRequest, token: str):
        user = ApiToken.user_for(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser's login session. A request that carries one is always CSRF-checked; a request without a
    logged-in session is not this authenticator's business (ninja's own SessionAuth checks CSRF first, and
    so refused token requests that came after it)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None):
        return request.user


class FieldCrmApi(NinjaAPI):
    """Operation ids are `<module>_<function>` (ninja's rule) with the module an endpoint was first declared
    in: clients generated from the OpenAPI document name their methods after them, so moving an endpoint
    must not rename it (tests/test_api.py pins them)."""

    # The customer and service endpoints lived in fieldcrm/api.py before each app got its router.
    FORMER_MODULES = {"fieldcrm.customers.api": "fieldcrm.api", "fieldcrm.care.api": "fieldcrm.api"}

    def get_openapi_schema(self, **kwargs):
        return document_common_answers(super().get_openapi_schema(**kwargs))

    def get_openapi_operation_id(self, operation) -> str:
        module = operation.view_func.__module__
        return f"{self.FORMER_MODULES.get(module, module)}_{operation.view_func.__name__}".replace(".", "_")


api = FieldCrmApi(
    title="FieldCRM API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
)


def _error(request, status: int, detail, code: str, field: str | None = None):
    body = {"detail": detail, "code": code}
    if field is not None:
        body["field"] = field
    return api.create_response(request, body, status=status)


@api.exception_handler(Refusal)
def refused(request, exc: Refusal):
    return _error(request, exc.status, str(exc), exc.code, exc.field)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc: PermissionDenied):
    return _error(request, 403, str(exc) or _("You may read this but not change it."), "forbidden")


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return _error(request, 404, _("Not found."), "not_found")


@api.exception_handler(RequestDataTooBig)
@api.exception_handler(TooManyFieldsSent)
def too_large(request, exc: Exception):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return _error(request, 413, _("The request is larger than %(mb)s MB.") % {"mb": limit}, "too_large")


@api.exception_handler(MultiPartParserError)
def malformed_body(request, exc: MultiPartParserError):
    """A multipart body Django cannot split (no boundary, a broken part): the client's fault, not a 500."""
    return _error(request, 400, _("The request body is not well-formed multipart/form-data."), "malformed_body")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """ninja's own (401 without credentials, 405 ...)."""
    code = {401: "not_authenticated", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return _error(request, exc.status_code, str(exc.message), code)


@api.exception_handler(ValidationError)
def invalid_schema(request, exc: ValidationError):
    return _error(request, 422, exc.errors, "invalid_schema")


@api.exception_handler(Exception)
def failed(request, exc: Exception):
    log.exception("API %s %s failed", request.method, request.path)
    return _error(request, 500, _("Something went wrong on the server; it has been logged."), "server_error")


api.add_router("", customers_router)
api.add_router("", care_router)
api.add_router("", catalog_router)
api.add_router("", visits_router)
api.add_router("", followup_router)
api.add_router("", monopoly_router)
api.add_router("", photos_router)
api.add_router("", notices_router)
api.add_router("", field_router)
api.add_router("", sales_router)
