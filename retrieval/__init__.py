"""政策问答 retrieval engine: corpus → chunks → index → search → answer.

Nothing here imports Streamlit; the app, the command line, the benchmarks and the
tests all use this package.
"""

__all__ = ["Answer", "Citation", "Engine", "IndexStatus", "QuestionError", "Settings"]


def __getattr__(name: str):
    # Imported on first use: a process that needs one module (the upload sandbox reads
    # a file with `readers` alone) should not pay seconds for the engine's imports.
    if name in __all__:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
