#!/usr/bin/env bash
# One command to run the app on a fresh clone: install, build the index if needed, serve.
set -euo pipefail
cd "$(dirname "$0")"
python -m pip install -q --disable-pip-version-check -r requirements.txt
python -m retrieval build          # loads the shipped index, or rebuilds it if it does not match
exec streamlit run app.py --server.headless true "$@"
