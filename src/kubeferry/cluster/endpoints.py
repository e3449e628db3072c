"""The `/kubeferry/v1/*` control endpoints: read, advance and settle the cluster clock.

    GET  /kubeferry/v1/clock            -> {"now": "...Z", "mode": "real"|"virtual"}
    POST /kubeferry/v1/clock/advance    {"seconds": 30}         (virtual only; real -> 409)
    POST /kubeferry/v1/settle           {} or {"timeoutSeconds": 5}   (504 when it times out)

They need the same credentials as the rest of the API (the app authenticates before routing).
Bodies arrive as `kubectl create --raw ... -f body.json` sends them: chunked, no Content-Type.
"""

from __future__ import annotations

import orjson

from kubeferry.apiserver.app import Request, send_bytes
from kubeferry.machinery import clock as clocks
from kubeferry.machinery import status as st


def routes(control) -> dict:
    def clock_body() -> bytes:
        return orjson.dumps({"now": clocks.rfc3339_micro(control.clock.now()), "mode": control.clock.mode})

    async def clock(request: Request, send) -> None:
        if request.method != "GET":
            raise st.method_not_allowed()
        await send_bytes(send, 200, clock_body())

    async def advance(request: Request, send) -> None:
        if request.method != "POST":
            raise st.method_not_allowed()
        body = await request.decoded()
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
            raise st.bad_request('the body must be {"seconds": <number greater than 0>}', [{"reason": "FieldValueInvalid", "message": "must be a number greater than 0", "field": "seconds"}])
        if seconds > 10 * 365 * 24 * 3600:
            raise st.bad_request("seconds: may not be more than ten years")
        control.advance(float(seconds))
        await send_bytes(send, 200, clock_body())

    async def settle(request: Request, send) -> None:
        if request.method != "POST":
            raise st.method_not_allowed()
        raw = await request.body()
        body = await request.decoded() if raw.strip() else {}
        if not isinstance(body, dict):
            raise st.bad_request('the body must be {} or {"timeoutSeconds": <number>}')
        timeout = body.get("timeoutSeconds")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0):
            raise st.bad_request("timeoutSeconds: must be a number greater than or equal to 0")
        if not await control.settle(timeout):
            raise st.timeout(f"the cluster did not settle within {timeout}s")
        await send_bytes(send, 200, clock_body())

    return {"/kubeferry/v1/clock": clock, "/kubeferry/v1/clock/advance": advance, "/kubeferry/v1/settle": settle}
