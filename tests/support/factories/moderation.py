"""Factories of the moderation app: ``ReportFactory`` (a pending user report in 'Not Specified')."""

from __future__ import annotations

import factory

from moderation.models import ItemReport, ReportQueue
from tests.support.factories.accounts import UserFactory
from tests.support.factories.library import ItemFactory


def queue(name: str) -> ReportQueue:
    """The bound domain's queue called ``name`` (seeded with every domain)."""
    return ReportQueue.objects.get(name=name)


class ReportFactory(factory.django.DjangoModelFactory):
    """A pending report by a new user of a new item; ``reporter=None`` makes a system report."""

    class Meta:
        model = ItemReport

    item = factory.SubFactory(ItemFactory)
    reporter = factory.SubFactory(UserFactory)
    queue = factory.LazyFunction(lambda: queue("Not Specified"))
    additional_information = ""
