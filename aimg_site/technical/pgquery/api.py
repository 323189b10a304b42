"""pgQuery."""

from __future__ import annotations

from aimg_site.api.views import AdminPolicy, ApiView, Caller, SessionPolicy

from . import services
from .serializers import PgQueryInput, PgQueryOutput


class PgQueryApi(ApiView):
    """Run one read-only SQL statement (Admins), as a dedicated PostgreSQL role that reads only
    an explicit list of tables (none holding secrets).

    ``queryParams`` bind ``$1``, ``$2``... by the driver. One statement per call, a statement
    timeout, a row cap and a result-size cap; the answer mirrors node-postgres's result. The
    database's errors are a 400 with its message (errorCode 1703); on SQLite pgQuery is a 400. Every
    call is written to the audit log.
    """

    operation_id = "pgQuery"
    session_policy = SessionPolicy.NONE
    admin_policy = AdminPolicy.REQUIRED
    caller = Caller.ANYONE
    body_serializer = PgQueryInput
    output_serializer = PgQueryOutput
    errors = (503,)
    tags = ("technical",)

    def post(self, request):
        data = self.input()
        result = services.pgquery_run(
            query_text=data["queryText"],
            query_params=list(data.get("queryParams") or []),
            audit_request=request,
        )
        return self.respond(result)
