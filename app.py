"""The web page: ``python app.py [--host HOST] [--port PORT] [--auth USER:PASSWORD] [--answerer llm] …``.

The same as ``policy-qa serve`` (see ``--help``): the engine is loaded once, then the page is served on
127.0.0.1:7860 by default.
"""

import sys

from policy_qa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
