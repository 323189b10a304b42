"""Racing uploads of one id on PostgreSQL: exactly one wins, the others are a 409 and leave nothing."""

import pytest
from django.db import connection

from aimg_site.technical.files import store
from aimg_site.technical.models import FileRendition, StoredFile
from tests.support.concurrency import race_calls

from .conftest import get_file, image_bytes, upload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent transactions"),
]


def test_simultaneous_uploads_of_one_id_store_one_file(admin, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    results = race_calls([lambda i=i: upload(admin, f"bytes {i}".encode(), id="contested") for i in range(6)])
    statuses = sorted(r.status for r in results)
    assert statuses == [200, 409, 409, 409, 409, 409], results
    assert StoredFile.objects.count() == 1
    stored = list((tmp_path / "files").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == 1  # the losers' bytes were deleted


def test_simultaneous_first_requests_of_a_rendition_keep_one(admin, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    meta = upload(admin, image_bytes("PNG", (300, 300))).payload
    results = race_calls([lambda: get_file(id=meta["id"], width=30) for _ in range(5)])
    assert all(r.status_code == 200 for r in results)
    assert FileRendition.objects.count() == 1
    assert store.exists(FileRendition.objects.get().storage_name)
    files = [p for p in (tmp_path / "renditions").rglob("*") if p.is_file()]
    assert len(files) == 1
