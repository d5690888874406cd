"""An outside requester against every fix: ``python -m external [FIX ...]``.

Serves each fix (``repro.VARIANTS`` of kind ``fix``) with uvicorn on a free port and runs the
Schemathesis CLI against its OpenAPI, with the hooks and checks of ``external.hooks``. A fix
holds if no response is a 5xx, every error is exactly the seed's envelope with a request id,
and no rejected request changed the store. Needs the ``bench`` extra:
``pip install -e '.[bench]'``.
"""
