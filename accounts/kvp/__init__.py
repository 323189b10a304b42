"""Key-value pairs a signed-in user stores for the front end (``getUserKVP``, ``setUserKVP``, ``deleteUserKVP``)."""
