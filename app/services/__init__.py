"""Application services of the field app: the device's use cases over one unlocked store.

Each use case is one unit of work (app/store/unit_of_work.py): a visit with its photo,
needs and wish, a consent with its evidence, a household with its head are written
together or not at all. The view-models (app/ui/viewmodels) call these and never the
store; nothing here imports Flet.
"""
