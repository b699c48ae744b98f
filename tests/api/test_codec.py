"""The codec endpoint for Temporal's Web UI (api/routes/codec.py) on the real stack: a matter's real history
payloads, fetched from Temporal as the UI sees them (encrypted), decrypted for a manager only (API key, or the
web session cookie from the UI's origin); other roles and no credentials refused; CORS for the UI's origin only;
bad bodies named field by field; `/encode` not offered; the matter page links managers to the workflow."""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf import json_format

from tests.api.conftest import FIRM_A, Stack
from tests.api.test_web import browser, log_in, person

UI = "http://127.0.0.1:8233"  # the stack's settings: Temporal's Web UI at its default place
DECODE = "/codec/decode"
BORROWER_ID = "110105198001011234"  # the factories' borrower id number: PII that must not reach Temporal in clear


async def history_input(stack: Stack, workflow_id: str) -> dict[str, Any]:
    """The started event's input as Temporal's HTTP API and UI hold it: proto JSON, encrypted."""
    handle = stack.temporal.get_workflow_handle(workflow_id)
    async for event in handle.fetch_history_events():
        if event.HasField("workflow_execution_started_event_attributes"):
            return json_format.MessageToDict(event.workflow_execution_started_event_attributes.input)
    raise AssertionError("no started event")


def plain(payload: dict[str, Any]) -> tuple[str, str]:
    """(encoding, data) of a proto-JSON payload, both base64-decoded."""
    return (base64.b64decode(payload["metadata"]["encoding"]).decode(),
            base64.b64decode(payload.get("data", "")).decode("utf-8", "replace"))


async def test_a_manager_key_decodes_a_real_history_payload_other_keys_and_no_key_do_not(stack: Stack) -> None:
    matter = await stack.open("codec")
    body = await history_input(stack, matter["workflow_id"])
    encoding, data = plain(body["payloads"][0])
    assert encoding == "binary/encrypted" and BORROWER_ID not in data and matter["external_ref"] not in data

    r = await stack.http.post(DECODE, json=body, headers={**stack.auth("manager"), "X-Namespace": "default"})
    assert r.status_code == 200, r.text
    (decoded,) = r.json()["payloads"]
    encoding, data = plain(decoded)
    assert encoding == "json/plain" and BORROWER_ID in data and matter["external_ref"] in data
    assert json.loads(data)["intake"]["external_ref"] == matter["external_ref"]

    for role in ("legal_team", "partner_a"):
        refused = await stack.http.post(DECODE, json=body, headers=stack.auth(role))
        assert refused.status_code == 403 and "manager" in refused.json()["detail"], refused.text
        assert BORROWER_ID not in refused.text
    none = await stack.http.post(DECODE, json=body)
    assert none.status_code == 401 and none.headers["www-authenticate"].startswith("Bearer")
    wrong = await stack.http.post(DECODE, json=body, headers={"Authorization": "Bearer rk_not-a-key"})
    assert wrong.status_code == 401 and "invalid_token" in wrong.headers["www-authenticate"]
    # A payload that is not encrypted passes through; another namespace is not this codec's.
    clear = {"metadata": {"encoding": base64.b64encode(b"json/plain").decode()}, "data": "MQ=="}
    same = await stack.http.post(DECODE, json={"payloads": [clear]}, headers=stack.auth("manager"))
    assert same.status_code == 200 and same.json() == {"payloads": [clear]}
    other = await stack.http.post(DECODE, json=body, headers={**stack.auth("manager"), "X-Namespace": "elsewhere"})
    assert other.status_code == 403 and "namespace" in other.json()["detail"]


async def test_a_managers_web_session_decodes_from_the_ui_origin_only(stack: Stack) -> None:
    matter = await stack.open("codec-web")
    body = await history_input(stack, matter["workflow_id"])
    username, password = await person(stack, "manager")
    async with browser(stack) as web:
        assert (await log_in(web, username, password)).status_code == 303
        ok = await web.post(DECODE, json=body, headers={"Origin": UI, "X-Namespace": "default"})
        assert ok.status_code == 200, ok.text
        assert BORROWER_ID in plain(ok.json()["payloads"][0])[1]
        assert ok.headers["access-control-allow-origin"] == UI
        assert ok.headers["access-control-allow-credentials"] == "true"
        # The cookie without the UI's Origin (a form or script elsewhere): refused, and not readable there.
        bare = await web.post(DECODE, json=body)
        assert bare.status_code == 403 and "Origin" in bare.json()["detail"]
        foreign = await web.post(DECODE, json=body, headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers
        # Not a JSON body (what a cross-site form could send without a preflight): refused.
        form = await web.post(DECODE, content=json.dumps(body), headers={"Origin": UI, "Content-Type": "text/plain"})
        assert form.status_code == 415
        # The matter page links a manager to the workflow in Temporal's UI.
        page = await web.get(f"/app/matters/{matter['id']}")
        assert f'href="{UI}/namespaces/default/workflows/{matter["workflow_id"]}"' in page.text, page.text
        assert "/codec" in page.text
        # Logged out: the same cookie decodes nothing.
        cookie = web.cookies["rc_session"]
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        assert (await web.post("/app/logout", data={"csrf_token": csrf})).status_code in (200, 303)
    async with browser(stack) as stale:
        stale.cookies.set("rc_session", cookie)
        after = await stale.post(DECODE, json=body, headers={"Origin": UI})
        assert after.status_code == 401 and "ended" in after.json()["detail"]


async def test_other_peoples_sessions_are_refused_and_see_no_link(stack: Stack) -> None:
    matter = await stack.open("codec-staff")
    body = await history_input(stack, matter["workflow_id"])
    for role, firm in (("legal_team", None), ("partner", FIRM_A)):
        username, password = await person(stack, role, firm)
        async with browser(stack) as web:
            assert (await log_in(web, username, password)).status_code == 303
            refused = await web.post(DECODE, json=body, headers={"Origin": UI})
            assert refused.status_code == 403 and "manager" in refused.json()["detail"]
            assert refused.headers["access-control-allow-origin"] == UI  # the UI can tell why (and shows ciphertext)
            if role == "legal_team":
                page = await web.get(f"/app/matters/{matter['id']}")
                assert page.status_code == 200 and "/namespaces/" not in page.text


async def test_cors_preflight_is_answered_for_the_ui_origin_only(stack: Stack) -> None:
    asked = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type,x-namespace"}
    for path in (DECODE, "/codec/encode"):
        ok = await stack.http.options(path, headers={"Origin": UI, **asked})
        assert ok.status_code == 204, ok.text
        assert ok.headers["access-control-allow-origin"] == UI
        assert ok.headers["access-control-allow-credentials"] == "true"
        assert "X-Namespace" in ok.headers["access-control-allow-headers"]
        assert "Content-Type" in ok.headers["access-control-allow-headers"]
        assert ok.headers["access-control-allow-methods"] == "POST"
    also = await stack.http.options(DECODE, headers={"Origin": "http://localhost:8233", **asked})
    assert also.headers["access-control-allow-origin"] == "http://localhost:8233"
    for origin in ("http://evil.example", "http://127.0.0.1:9999", "null"):
        refused = await stack.http.options(DECODE, headers={"Origin": origin, **asked})
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    wrong_method = await stack.http.options(DECODE, headers={"Origin": UI, "Access-Control-Request-Method": "PUT"})
    assert wrong_method.status_code == 403
    # Never a wildcard, not even on a refusal to a known origin.
    none = await stack.http.post(DECODE, json={"payloads": []}, headers={"Origin": UI})
    assert none.status_code == 401 and none.headers["access-control-allow-origin"] == UI


async def test_a_malformed_body_is_refused_naming_the_field(stack: Stack) -> None:
    manager = stack.auth("manager")

    async def refused(body: Any, code: int = 422, **kw: Any) -> Any:
        r = await stack.http.post(DECODE, headers={**manager, **kw.pop("headers", {})},
                                  **({"json": body} if body is not None else kw))
        assert r.status_code == code, r.text
        return r.json()["detail"]

    def where(detail: list[dict[str, Any]]) -> list[str]:
        return [".".join(str(p) for p in e["loc"]) for e in detail]

    assert where(await refused({"payloads": [{"data": "not base64!"}]})) == ["body.payloads.0.data"]
    detail = await refused({"payloads": [{"metadata": {"encoding": "%%%"}}]})
    assert where(detail) == ["body.payloads.0.metadata"] and "encoding" in detail[0]["msg"]
    assert set(where(await refused({"payload": []}))) == {"body.payloads", "body.payload"}
    assert where(await refused({"payloads": "all"})) == ["body.payloads"]
    assert where(await refused({"payloads": [{"data": "", "colour": 1}]})) == ["body.payloads.0"]
    assert where(await refused(None, content=b'{"payloads": [', headers={"Content-Type": "application/json"})) == [
        "body.14"]
    assert (await refused(None, 415, content=b"{}", headers={"Content-Type": "text/plain"}))
    big = b'{"payloads": [{"data": "' + b"A" * (5 * 1024 * 1024) + b'"}]}'
    assert "bytes" in await refused(None, 413, content=big, headers={"Content-Type": "application/json"})
    # Ciphertext that does not decrypt (tampered): the payload is named, nothing is decrypted.
    matter = await stack.open("codec-bad")
    body = await history_input(stack, matter["workflow_id"])
    data = bytearray(base64.b64decode(body["payloads"][0]["data"]))
    data[-1] ^= 1
    body["payloads"][0]["data"] = base64.b64encode(bytes(data)).decode()
    assert where(await refused(body)) == ["body.payloads.0.data"]


async def test_encode_is_not_offered(stack: Stack) -> None:
    clear = {"payloads": [{"metadata": {"encoding": base64.b64encode(b"json/plain").decode()}, "data": "MQ=="}]}
    assert (await stack.http.post("/codec/encode", json=clear)).status_code == 401
    for role in ("manager", "legal_team"):
        r = await stack.http.post("/codec/encode", json=clear, headers=stack.auth(role))
        assert r.status_code == 403 and ("not offered" in r.text or "manager" in r.text), r.text



async def test_a_manager_still_on_a_one_time_password_decodes_nothing(stack: Stack) -> None:
    from store import users
    from store.db import write_session

    matter = await stack.open("codec-otp")
    body = await history_input(stack, matter["workflow_id"])
    name = f"otp-mgr-{matter['id'][:6]}"
    async with write_session(stack.sessions) as session:
        one_time, _ = await users.create_user(session, username=name, display_name="New Manager", role="manager")
    async with browser(stack) as web:
        assert (await log_in(web, name, one_time)).status_code == 303
        r = await web.post(DECODE, json=body, headers={"Origin": UI, "X-Namespace": "default"})
        assert r.status_code == 403 and "/app/password" in r.json()["detail"], r.text
        assert r.headers["access-control-allow-origin"] == UI  # (the UI can read why)
        assert BORROWER_ID not in r.text
