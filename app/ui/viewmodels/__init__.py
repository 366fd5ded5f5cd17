"""View-models of the field app: screen state and actions, with no Flet objects.

A view builds its controls from a view-model's state and forwards events to its methods;
the view-models call the store and the domain, and are tested without a client.
"""
