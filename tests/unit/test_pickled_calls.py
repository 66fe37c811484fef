"""Pickled calls without a daemon: the key file (made once, mode 0600, refused when open to
others), signing and verifying, tamper detection before anything is unpickled, and the daemon's
and the tool settings' checks of the shape."""

from __future__ import annotations

import base64
import os
import pickle
import re
from pathlib import Path

import cloudpickle
import pytest

from sparkq_daemon.errors import Validation
from sparkq_daemon.python_call import check_tool_payload
from sparkq_daemon.tool_settings import SettingsError, pack, tool_view, with_pickle
from sparkq_tui.pytasks.api import build_payload
from sparkq_tui.pytasks.pickle_key import KEY_ENV, PickleKeyError, read_key, signing_key
from sparkq_tui.pytasks.pickled import SignatureError, pickle_call, unpickle_call


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "pickle.key"
    monkeypatch.setenv(KEY_ENV, str(path))
    return path


def test_the_key_is_made_once_private_and_only_read_by_a_runner(key_file: Path) -> None:
    with pytest.raises(PickleKeyError, match=f"no pickle key at {re.escape(str(key_file))}"):
        read_key()  # a runner never makes one
    key = signing_key()
    assert len(key) == 32 and signing_key() == key == read_key()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["pickle.key"]  # no temporary left
    key_file.chmod(0o644)
    with pytest.raises(PickleKeyError, match=r"open to other users \(mode 644\): chmod 600"):
        read_key()
    key_file.chmod(0o600)
    key_file.write_text("not hex\n")
    with pytest.raises(PickleKeyError, match="does not hold 32 bytes as hex"):
        read_key()


def test_a_signed_closure_round_trips_and_any_change_is_refused_unpickled(
    key_file: Path, tmp_path: Path
) -> None:
    key = signing_key()
    offset = 40
    payload = build_payload(lambda a, b=0: a + b + offset, (1,), {"b": 2}, pickle=True)
    assert set(payload) == {"pickle", "sig"}
    function, args, kwargs = unpickle_call(payload, key)
    assert function(*args, **kwargs) == 43

    marker = tmp_path / "ran"
    evil = cloudpickle.dumps((lambda: marker.write_text("ran"), (), {}))
    raw = base64.b64decode(payload["pickle"])
    flipped = bytes([raw[0] ^ 1]) + raw[1:]
    cases = [
        ({**payload, "pickle": base64.b64encode(evil).decode()}, "did not verify"),
        ({**payload, "pickle": base64.b64encode(flipped).decode()}, "did not verify"),
        ({**payload, "sig": "0" * 64}, "did not verify"),
        ({"pickle": payload["pickle"]}, "has no signature"),
        ({**payload, "pickle": "%%%"}, "not base64"),
    ]
    for tampered, problem in cases:
        with pytest.raises(SignatureError, match=f"{problem}.*not unpickled"):
            unpickle_call(tampered, key)
    with pytest.raises(SignatureError, match="another pickle key"):
        unpickle_call(payload, os.urandom(32))
    assert not marker.exists()
    # The evil pickle would have run had it been unpickled: the test's proof is not vacuous.
    pickle.loads(evil)[0]()
    assert marker.read_text() == "ran"


def test_pickle_true_needs_a_function(key_file: Path) -> None:
    with pytest.raises(ValueError, match="pickle=True takes a function, not 'm:f'"):
        build_payload("m:f", (), {}, pickle=True)
    assert (
        pickle_call(len, ["ab"], None, b"k" * 32)["sig"]
        != pickle_call(len, ["ab"], None, b"j" * 32)["sig"]
    )


def test_the_daemon_checks_the_shape_and_where_pickles_may_go() -> None:
    signed = {"pickle": base64.b64encode(b"x").decode(), "sig": "a" * 64}
    check_tool_payload("python-pickle", True, signed)
    check_tool_payload("python-pickle", True, {"function": "m:f", "args": [1]})
    check_tool_payload("run-bash", False, signed)  # not a Python tool: not its business
    refusals = [
        ("python-call", False, signed, "tool python-call takes JSON calls only"),
        ("python-pickle", True, {**signed, "sig": "xyz"}, "payload.sig 'xyz' is not"),
        ("python-pickle", True, {**signed, "pickle": "%%"}, "payload.pickle '%%' is not base64"),
        ("python-pickle", True, {**signed, "name": "f"}, "payload member 'name' is not one"),
        ("python-pickle", True, {"function": "nope"}, "payload.function 'nope'"),
    ]
    for tool, pickles, payload, message in refusals:
        with pytest.raises(Validation, match=re.escape(message)):
            check_tool_payload(tool, pickles, payload)


def test_the_pickle_setting_stands_alone() -> None:
    settings = with_pickle(None, None, True)
    assert settings == {"pickle": True}
    view = tool_view({"name": "p", "command": pack(None, settings)})
    assert (view["pickle"], view["command"], view["provider"]) == (True, None, None)
    assert tool_view({"name": "c", "command": ["x"]})["pickle"] is False
    assert with_pickle(None, ["x"], False) is None
    for settings, command, value, problem in (
        (None, ["prog"], True, "takes no command or provider"),
        ({"provider": "openai", "model": "m"}, None, True, "takes no command or provider"),
        (None, None, "yes", "expected true or false, got 'yes'"),
    ):
        with pytest.raises(SettingsError, match=re.escape(problem)):
            with_pickle(settings, command, value)


def test_the_worker_verifies_with_its_key_file_and_replies_signature(
    key_file: Path, tmp_path: Path
) -> None:
    import asyncio

    from sparkq_tui.pytasks.worker import _call

    payload = pickle_call(lambda n: n * 2, [21], {}, signing_key())
    loop = asyncio.new_event_loop()
    try:
        assert _call({"pickle": payload}, loop, key_file)["value"] == 42
        missing = _call({"pickle": payload}, loop, tmp_path / "elsewhere.key")
        forged = _call({"pickle": {**payload, "sig": "f" * 64}}, loop, key_file)
    finally:
        loop.close()
    assert (missing["ok"], missing["kind"]) == (False, "signature")
    assert missing["error"].startswith("no pickle key at ")
    assert (forged["kind"], forged["traceback"]) == ("signature", "")
    assert "did not verify" in forged["error"]
