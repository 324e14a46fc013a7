#!/usr/bin/env bash
# One command to run the app on a fresh clone: install, build the index if needed, serve.
# Arguments go to `streamlit run`. Streamlit listens on every interface by default; to host
# the app, bind it to loopback and put TLS in front (docs/hosting.md):
#   ./run.sh --server.address 127.0.0.1
set -euo pipefail
cd "$(dirname "$0")"
python -m pip install -q --disable-pip-version-check -r requirements.txt
python -m retrieval build          # loads the shipped index, or rebuilds it if it does not match
exec streamlit run app.py --server.headless true "$@"
