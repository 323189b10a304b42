"""seed_demo: a demo library made once, and a working signed-in session printed on every run."""

import io
import re

from django.core.management import call_command

from accounts.models import User
from library.models import Folder, FolderThumbnail, Item
from tests.support.assertions import assert_envelope
from tests.support.personas import Persona


def run() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_it_makes_the_demo_library_once_and_prints_a_usable_session(api, guest):
    first = run()
    user = User.objects.get(email="demo@freejourney.ai")
    items = Item.objects.filter(owner=user)
    assert items.count() >= 24
    assert Folder.objects.filter(owner=user, is_public=True).count() == 1
    assert Folder.objects.filter(owner=user, is_public=False).count() == 2
    showcase = Folder.objects.get(owner=user, is_public=True)
    assert FolderThumbnail.objects.filter(folder=showcase).count() == 4

    second = run()
    assert Item.objects.filter(owner=user).count() == items.count()
    keys = [re.search(r"Demo session id: (\S+)", text).group(1) for text in (first, second)]
    assert keys[0] != keys[1]
    assert "curl" in second and keys[1] in second

    demo = Persona(session_id=keys[1], user=user)
    mine = assert_envelope(api.get("/getMyCreations", persona=demo, limit=1000))
    assert mine.metadata["totalCount"] == items.count()
    public = assert_envelope(api.get("/getPublicCreations", persona=guest)).payload
    assert len(public) >= 3 and all(row["isPubliclyVisible"] for row in public)


def test_demo_media_are_real_images(client):
    run()
    item = Item.objects.filter(owner__email="demo@freejourney.ai").first()
    with item.media.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
