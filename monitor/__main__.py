"""`python -m monitor` runs the pricewatch CLI."""

from monitor.cli import main

main()
