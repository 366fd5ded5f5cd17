"""Benchmarks, run as `python -m tests.bench.NAME`.

Their sandboxes use 6-digit PINs, as a tablet with a keystore does; on a machine without
one (no OS keyring) a development keystore in a temporary directory stands in for it,
unless DOORSTEP_DEV_KEYSTORE already names one.
"""

import os
import tempfile

from app.store.keystore import DEV_KEYSTORE_ENV

if not os.environ.get(DEV_KEYSTORE_ENV):
    os.environ[DEV_KEYSTORE_ENV] = tempfile.mkdtemp(prefix="doorstep-bench-keystore-")
