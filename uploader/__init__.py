"""nekobt-upload: publish anime releases on nekoBT from a watch folder or CI."""

import sys

__version__ = "0.1.0"
USER_AGENT = f"nekobt-upload/{__version__}"

# httpx imports its own command line (`httpx._main`, with rich, pygments and click) whenever
# those are installed, as they are beside this tool: ~45 ms of every run that talks to the
# site, for a CLI we never run. None in sys.modules makes that optional import fail at once,
# which httpx expects (without its `cli` extra it installs a stub `httpx.main` instead).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
