"""``python manage.py seed_demo``: a demo account with a small illustrated library (idempotent).

``make run`` calls it on every start: the first run makes demo@freejourney.ai
in the default domain with a few dozen Pillow-drawn images, two private
folders and a public folder of approved public items; later runs only sign
the demo user in again. Each run prints a fresh signed-in session id.
"""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.sessions.services import session_rotate
from aimg_site.core.models import Domain
from aimg_site.core.scoping import domain_context
from aimg_site.core.selectors import domain_get
from library.items.services import item_create
from library.models import ApprovalStatus, Folder, FolderThumbnail, Item, ItemTag, Tag

from ._demo_images import demo_png

DEMO_EMAIL = "demo@freejourney.ai"

PROMPTS = [
    "a lighthouse on a cliff at sunset, oil painting",
    "a red fox in a snowy birch forest",
    "neon city street in the rain, cyberpunk",
    "a cup of coffee on a wooden table, morning light",
    "mountain lake with perfect reflections",
    "portrait of an astronaut with flowers in the helmet",
    "a cozy library with a sleeping cat",
    "isometric tiny island with a windmill",
    "a dragon made of autumn leaves",
    "watercolor map of an imaginary kingdom",
    "a robot tending a vegetable garden",
    "desert dunes under a purple sky",
    "portrait of an old fisherman, dramatic light",
    "a glass jellyfish floating over a city",
    "paper origami birds flying over the sea",
    "a vintage train crossing a stone bridge",
    "hot air balloons over green hills",
    "portrait of a young painter in her studio",
    "an underwater temple with sun rays",
    "a bowl of ramen, studio photo",
    "northern lights over a wooden cabin",
    "portrait of a knight in shiny armour",
    "a field of sunflowers at golden hour",
    "a steampunk owl with brass gears",
    "a quiet japanese garden in the mist",
    "portrait of a jazz musician with a saxophone",
    "a castle floating in the clouds",
    "a macro photo of a dewdrop on a leaf",
    "a fox and a rabbit sharing tea",
    "a galaxy swirling inside a teacup",
    "an abandoned greenhouse full of plants",
    "a snowy village at night with warm windows",
    "a tiger walking through tall grass",
    "a surreal staircase to the moon",
    "a lemon tree on a sunny terrace",
    "a colourful market in marrakech",
]

LAYOUT = (
    # (folder key, count, approved & public)
    ("root", 12, False),
    ("landscapes", 8, False),
    ("portraits", 6, False),
    ("showcase", 7, True),
    ("root-pending", 3, False),
)


class Command(BaseCommand):
    help = "Create the demo account and its library (once), and print a fresh signed-in session id."

    def add_arguments(self, parser):
        parser.add_argument("--domain", default=None, help="Defaults to AIMG_DEFAULT_DOMAIN.")

    def handle(self, *args, **options):
        name = options["domain"] or settings.AIMG_DEFAULT_DOMAIN
        try:
            domain = domain_get(name)
        except Domain.DoesNotExist:
            raise CommandError(f"Unknown domain {name!r}.") from None
        with domain_context(domain):
            user = self._demo_user()
            made = self._library(user) if not Item.objects.filter(owner=user).exists() else 0
            key, _guest = session_rotate(old_key=None, user=user)
        state = f"made {made} demo items" if made else "demo library already present"
        self.stdout.write(f"seed_demo: {DEMO_EMAIL} in {domain.name} ({state}).")
        self.stdout.write(f"Demo session id: {key}")
        host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
        self.stdout.write(f'  curl -s -H "X-Session-ID: {key}" "http://{host}:{port}/getMyCreations?limit=5"')

    @staticmethod
    def _demo_user() -> User:
        user = User.objects.filter(email__iexact=DEMO_EMAIL).first()
        if user is not None:
            return user
        return User.objects.create_user(email=DEMO_EMAIL, username="demo", is_at_least_18_confirmed=True)

    @transaction.atomic
    def _library(self, user: User) -> int:
        folders = {
            "root": None,
            "root-pending": None,
            "landscapes": Folder.objects.create(owner=user, name="Landscapes", description="Wide views."),
            "portraits": Folder.objects.create(owner=user, name="Portraits"),
            "showcase": Folder.objects.create(
                owner=user, name="Showcase", description="The best of the demo library.", is_public=True
            ),
        }
        tags = {name: Tag.objects.get_or_create(name=name)[0] for name in ("demo", "portrait", "landscape")}
        now = timezone.now()
        number = showcase_thumbnails = 0
        for key, count, public in LAYOUT:
            for _ in range(count):
                prompt = PROMPTS[number % len(PROMPTS)]
                moment = now - dt.timedelta(hours=6 * (len(PROMPTS) - number))
                item = item_create(
                    owner=user,
                    content=demo_png(prompt, seed=number),
                    filename="demo.png",
                    folder=folders[key],
                    prompt=prompt,
                    negprompt="blurry, low quality",
                    model_id="f222",
                    model_name="F222",
                    steps=20,
                    seed=1000 + number,
                    sampler="DPM++ 2M Karras",
                    cfgscale=7,
                    width=320,
                    height=320,
                    completed_at=moment,
                    folder_added_at=moment,
                )
                status = None
                if public:
                    status = ApprovalStatus.APPROVED
                elif key == "root-pending":
                    status = ApprovalStatus.PENDING
                if status:
                    Item.objects.filter(pk=item.pk).update(public_approval_status=status, is_public=public)
                ItemTag.objects.create(item=item, tag=tags["demo"])
                if key in ("portraits", "landscapes"):
                    ItemTag.objects.create(item=item, tag=tags[key.rstrip("s")])
                if public and showcase_thumbnails < 4:
                    FolderThumbnail.objects.create(
                        folder=folders["showcase"], item=item, position=showcase_thumbnails
                    )
                    showcase_thumbnails += 1
                number += 1
        return number
