"""Pets and the species the platform knows."""

from __future__ import annotations

import enum


class Species(enum.StrEnum):
    DOG = "dog"
    CAT = "cat"
    RABBIT = "rabbit"
    BIRD = "bird"
    OTHER = "other"
