"""`python -m ssbcert` is the `ssbcert` command."""
from ssbcert.cli import main

main()
