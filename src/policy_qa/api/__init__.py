"""The HTTP API: an OpenAI-compatible chat endpoint and a native API (answers, documents, re-index jobs), served
with the web page by ``policy-qa serve``.

A front like the CLI and the page: every answer and corpus change goes to a ``PolicyQA`` engine; these modules
only check access, translate requests and format responses.
"""
