"""``python -m tinygrad_edu`` is the ``tinygrad-edu`` command."""
from .cli import main

raise SystemExit(main())
