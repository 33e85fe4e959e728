"""The web face: the FastAPI app, its dependencies and the error mapping."""
