"""Start Hearth: `python run.py` opens the desktop window; `python run.py --headless` only serves.

`python run.py serve|create-company|create-user|import-kb|reindex|eval ...` run the same commands as
`python -m appliance`. Flags: --data-dir DIR, --host HOST, --port PORT, --gui gtk|qt.
"""
import sys

from appliance.entry import main

if __name__ == "__main__":
    sys.exit(main())
