"""Repositories of the device store: each hides the SQL of one part of it.

They read and write on the connection they are given; a `UnitOfWork`
(app/store/unit_of_work.py) gives them one transaction, so what they write together
is kept together or not at all. Nothing outside app/store writes SQL.
"""
