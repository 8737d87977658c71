"""The web page: a Gradio chat over the ``PolicyQA`` engine (``policy-qa serve`` or ``python app.py``).

Gradio reads its analytics switch when imported, so the offline guard runs first.
"""

from __future__ import annotations

from ..settings import enforce_offline

enforce_offline()
