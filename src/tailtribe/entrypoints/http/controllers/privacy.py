from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from tailtribe.domain.model.exports import ExportStatus
from tailtribe.domain.model.users import Role
from tailtribe.domain.services.privacy.export import ExportView, ReadExport, RequestExport
from tailtribe.domain.services.terms import Actor
from tailtribe.entrypoints.http.auth import Req, current_user, requires
from tailtribe.entrypoints.http.schemas.privacy import AdminExportBody, ExportOut


def _actor(request: Req) -> Actor:
    user = current_user(request)
    return Actor(user.id, user.roles)


class ExportController(Controller):
    path = "/api/v1/me"
    tags = ("Privacy",)

    @post("/export", operation_id="request_export", status_code=HTTP_202_ACCEPTED)
    @inject
    async def request_export(self, request: Req, exports: FromDishka[RequestExport]) -> ExportOut:
        export = await exports(current_user(request).id)
        return ExportOut.of(ExportView(export, ExportStatus.PENDING, None))

    @get("/exports/{export_id:uuid}", operation_id="get_export")
    @inject
    async def get_export(
        self, request: Req, export_id: FromPath[UUID], read: FromDishka[ReadExport]
    ) -> ExportOut:
        user = current_user(request)
        # Through this path a user sees only their own exports, admins too.
        return ExportOut.of(await read(Actor(user.id, frozenset()), export_id))


class AdminExportController(Controller):
    path = "/api/v1/admin"
    tags = ("Admin",)
    guards = (requires(Role.ADMIN),)

    @post(
        "/users/{user_id:uuid}/export",
        operation_id="admin_request_export",
        status_code=HTTP_202_ACCEPTED,
    )
    @inject
    async def request_export(
        self,
        request: Req,
        user_id: FromPath[UUID],
        exports: FromDishka[RequestExport],
        data: JSONBody[AdminExportBody | None] = None,
    ) -> ExportOut:
        reason = data.reason if data else None
        export = await exports.for_admin(current_user(request).id, user_id, reason)
        return ExportOut.of(ExportView(export, ExportStatus.PENDING, None))

    @get("/exports/{export_id:uuid}", operation_id="admin_get_export")
    @inject
    async def get_export(
        self, request: Req, export_id: FromPath[UUID], read: FromDishka[ReadExport]
    ) -> ExportOut:
        return ExportOut.of(await read(_actor(request), export_id))
