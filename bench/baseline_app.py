"""The baseline for API-server benchmarks: a trivial ASGI app on the same server stack and TLS.

It answers every request with a small JSON body, so the ratio against it shows what kubeferry's
own work costs on top of Python, uvicorn and TLS.
"""

from __future__ import annotations

import asyncio
import sys

BODY = b'{"kind":"Status","apiVersion":"v1","status":"Success"}'


async def app(scope, receive, send):
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        return
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})


def main() -> None:
    import uvicorn
    import uvloop

    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http="httptools", loop="none", log_level="warning", access_log=False, ssl_certfile=cert, ssl_keyfile=key)
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()
