"""政策问答 retrieval engine: corpus → chunks → index → search → answer.

Nothing here imports Streamlit; the app, the command line, the benchmarks and the
tests all use this package.
"""

from .engine import Answer, Citation, Engine, IndexStatus, QuestionError, Settings

__all__ = ["Answer", "Citation", "Engine", "IndexStatus", "QuestionError", "Settings"]
