"""The encrypted local store: keys, AEAD column types, blind indexes, repositories, outbox.

Never imports flet: the server and the tests use it without a UI.
"""
