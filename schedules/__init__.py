"""What runs on a clock: the scheduling pass and its registration with APScheduler."""
