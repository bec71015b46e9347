"""Prompt templates shipped with facebuild (installed as facebuild.templates)."""
