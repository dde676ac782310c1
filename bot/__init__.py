"""Touchpoint: keeps L&D teams aligned with the business stakeholders of each learning initiative."""
