"""Hostile targets for ``paramleak audit``: apps that fail, hang, refuse or overwhelm it.

One module per case; ``tests/test_hostile_targets.py`` says what verdict and exit code each
must get. None may ever be reported clean without saying that nothing was audited.
"""
