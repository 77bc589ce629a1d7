"""Personal data: exports, erasure and retention (GDPR)."""
