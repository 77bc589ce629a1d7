"""Personal data: how long it is kept, what a user may take away or have erased."""
