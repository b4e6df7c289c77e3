"""A local web site over a Corroborate database: stories, their briefs, articles with
addressable sentences, side-by-side reading, a compare form and a JSON API.

Needs the ``web`` extra: ``pip install 'corroborate[web]'``.
"""

from corroborate.web.app import create_app

__all__ = ["create_app"]
