"""Durable application data (no Streamlit here: usable from scripts and tests)."""
