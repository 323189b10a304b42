from django.apps import AppConfig


class TechnicalConfig(AppConfig):
    """The reference's "Technical" endpoints: log ingestion, affiliate ads, the file server, pgQuery.

    It lives in the shared layer's package (``aimg_site/technical``) and so imports no app: users
    are reached through ``settings.AUTH_USER_MODEL`` and the request identity, tables of other apps
    only by their ``db_table`` names (the pgQuery grants).
    """

    name = "aimg_site.technical"
    label = "technical"
    verbose_name = "Technical"
