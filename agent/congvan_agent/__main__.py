"""`python -m congvan_agent`."""

import sys

from congvan_agent.cli import main

sys.exit(main())
