"""Test doubles: in-memory ports the application itself never wires."""
