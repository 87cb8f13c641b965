"""`python -m assistant.cli` runs the `quartermaster` command."""

from assistant.cli import main

main()
