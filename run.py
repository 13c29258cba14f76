"""Start Hearth: `python run.py [--headless] [--data-dir DIR] [--host HOST] [--port PORT]`."""
from gevent import monkey

monkey.patch_all()  # first, before anything else is imported

import argparse  # noqa: E402
import sys  # noqa: E402

from appliance.cli import main  # noqa: E402


def run() -> int:
    parser = argparse.ArgumentParser(description="Start Hearth, the self-hosted AI support desk.")
    parser.add_argument("--headless", action="store_true",
                        help="serve without opening a window (the desktop window comes in a later release)")
    parser.add_argument("--data-dir")
    parser.add_argument("--host")
    parser.add_argument("--port")
    args = parser.parse_args()
    argv = ["serve"]
    for flag in ("data_dir", "host", "port"):
        value = getattr(args, flag)
        if value is not None:
            argv += [f"--{flag.replace('_', '-')}", value]
    return main(argv)


if __name__ == "__main__":
    sys.exit(run())
