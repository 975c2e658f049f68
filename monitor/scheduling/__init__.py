"""Running pricewatch by itself: the nightly chain, the database lock that keeps two runs
apart, and the APScheduler service (`pricewatch serve`)."""
