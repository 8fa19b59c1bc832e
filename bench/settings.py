"""The settings bench/pages.py serves with: production's, plus two reference pages (bench/urls.py).

The reference pages split a page's cost over the logged-in floor (/ping) into what every /manage/ page pays
before its own work: the role check of a /manage/ view (bench/bare), then the site's layout around an empty
body (bench/layout). They exist only here, never in config.urls.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
