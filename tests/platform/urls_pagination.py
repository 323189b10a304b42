"""A listing endpoint over audit-log rows, to test the paginator through HTTP."""

from rest_framework import serializers

from aimg_site.api.envelope import ok
from aimg_site.api.pagination import PageRequest, PaginationQuery, paginate
from aimg_site.api.views import ApiView, endpoint
from aimg_site.core.models import AuditLogEntry
from aimg_site.urls import handler400, handler403, handler404, handler500  # noqa: F401


class ListQuery(PaginationQuery):
    pass


class ListOutput(serializers.Serializer):
    id = serializers.UUIDField()


class ListApi(ApiView):
    operation_id = "testList"
    query_serializer = ListQuery
    output_serializer = ListOutput
    paginated = True

    def get(self, request):
        queryset = AuditLogEntry.objects.all()
        page = paginate(
            queryset,
            PageRequest.from_input(self.input()),
            time_field="created_at",
            total_count=queryset.count(),
        )
        return ok(ListOutput(page.rows, many=True).data, metadata=page.metadata)


urlpatterns = [endpoint(ListApi)]
