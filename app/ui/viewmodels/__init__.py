"""View-models of the field app: screen state and actions, with no Flet objects.

A view builds its controls from a view-model's state and forwards events to its methods;
the view-models call the application services (app/services, reached through the
Workspace) and the domain, never the store, and are tested without a client.
"""
