"""The Streamlit front end: pages, rendering helpers and the curated knowledge file."""
