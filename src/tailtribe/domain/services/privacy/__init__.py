"""Personal data: erasing an account, exporting it."""
