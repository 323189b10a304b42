"""The studio page: the API's own reference front end at ``/`` (see ``views``)."""
