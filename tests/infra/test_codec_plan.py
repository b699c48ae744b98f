"""The local stack points Temporal's Web UI at the API's codec (api/routes/codec.py): the plan, the dev
server's flag (checked against the real binary: the UI's settings name the endpoint), the banner's words on
the one browser setting a manager needs, and the Temporal UI's address and origins in the settings."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

from api.routes.codec import ui_origins
from infra.banner import banner_lines, stack_urls
from infra.plan import plan_stack
from infra.services import free_port, temporal_service
from settings import Settings


def test_the_plan_gives_the_local_ui_the_apis_codec(tmp_path: Path) -> None:
    plan = plan_stack(Settings(var_dir=tmp_path, api_port=8100), env={})
    assert plan.codec_endpoint == "http://127.0.0.1:8100/codec"
    on_all = plan_stack(Settings(var_dir=tmp_path, api_host="0.0.0.0"), env={})
    assert on_all.codec_endpoint == "http://127.0.0.1:8000/codec"  # where the browser reaches it
    remote = plan_stack(Settings(var_dir=tmp_path, temporal_address="temporal.example.com:7233"), env={})
    assert remote.codec_endpoint is None  # a Temporal not started here: its UI is configured where it runs


def test_the_banner_says_how_a_manager_reads_decrypted_payloads(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    plan = plan_stack(settings, env={})
    text = "\n".join(banner_lines(plan, settings, tmp_path / "run" / "stack.json"))
    assert "http://127.0.0.1:8000/codec" in text and "Include cross-origin credentials" in text
    assert "Codec Server" in text and "managers" in text
    assert stack_urls(plan, settings)["temporal_codec"] == "http://127.0.0.1:8000/codec"
    remote = Settings(var_dir=tmp_path, temporal_address="temporal.example.com:7233")
    remote_text = "\n".join(banner_lines(plan_stack(remote, env={}), remote, tmp_path / "stack.json"))
    assert "/codec" not in remote_text


def test_the_temporal_ui_address_and_its_origins(tmp_path: Path) -> None:
    local = Settings(var_dir=tmp_path, temporal_ui_port=8300)
    assert local.temporal_ui() == "http://127.0.0.1:8300"
    assert ui_origins(local) == {"http://127.0.0.1:8300", "http://localhost:8300"}
    hosted = Settings(var_dir=tmp_path, temporal_ui_url="https://Temporal.bank.example/ui/")
    assert hosted.temporal_ui() == "https://Temporal.bank.example/ui"
    assert ui_origins(hosted) == {"https://temporal.bank.example"}  # an origin has no path, never "*"
    assert Settings(var_dir=tmp_path, temporal_ui_url="").temporal_ui() == "http://127.0.0.1:8233"


def test_the_dev_server_offers_the_codec_endpoint_to_its_ui(tmp_path: Path) -> None:
    """The real binary takes the flag and its UI's settings name the endpoint (without credentials: the dev
    server has no flag for them; the browser's own Codec Server setting adds them)."""
    port, ui = free_port(), free_port()
    endpoint = "http://127.0.0.1:8000/codec"
    svc = temporal_service(tmp_path, port=port, ui_port=ui, codec_endpoint=endpoint)
    assert svc.argv[svc.argv.index("--ui-codec-endpoint") + 1] == endpoint
    assert "--ui-codec-endpoint" not in temporal_service(tmp_path, port=port, ui_port=ui).argv
    svc.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui}/api/v1/settings", timeout=5) as r:
                    codec = json.load(r)["Codec"]
                break
            except OSError:
                assert time.monotonic() < deadline, "the Temporal UI did not answer"
                time.sleep(0.5)
        assert codec["Endpoint"] == endpoint and codec["IncludeCredentials"] is False
    finally:
        svc.stop()
