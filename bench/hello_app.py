"""The ceiling for the load benchmark: a bare Litestar app that answers "Hello, world!".

bench/load.py serves it with uvicorn and 2 workers beside the real app, so every page's
figure can be read as a share of what Litestar on this machine does at best.
Run: `uvicorn bench.hello_app:app --workers 2`.
"""

from litestar import Litestar, get


@get("/", sync_to_thread=False)
def hello() -> str:
    return "Hello, world!"


app = Litestar(route_handlers=[hello])
