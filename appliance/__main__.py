"""Entry point of `python -m appliance`. Serving needs gevent's monkey-patching before anything
else is imported, and only then."""
import sys

if len(sys.argv) > 1 and sys.argv[1] == "serve":
    from gevent import monkey

    monkey.patch_all()

from appliance.cli import main  # noqa: E402

sys.exit(main())
