"""`python -m service` is the `tiegraph` command."""

from service.cli import main

main()
