"""`python -m serve` refuses unsafe or broken set-ups before it loads anything."""
import subprocess
import sys

import pytest

from serve.config import ConfigError, Settings, check, is_loopback

from .conftest import ROOT


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "serve", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=env)


def test_a_token_is_required_off_loopback(tmp_path):
    out = run("--model", str(tmp_path), "--corpus", str(tmp_path / "c"), "--host", "0.0.0.0")
    assert out.returncode == 2 and "--token" in out.stderr and "0.0.0.0" in out.stderr
    out = run("--model", str(tmp_path), "--corpus", str(tmp_path / "c"), "--host", "0.0.0.0",
              "--token", "short")
    assert out.returncode == 2 and "at least 8" in out.stderr


def test_a_missing_model_is_named(tmp_path):
    out = run("--model", str(tmp_path / "nope"), "--corpus", str(tmp_path / "c"))
    assert out.returncode == 2 and "no model here" in out.stderr


@pytest.mark.parametrize("host,loop", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                       ("127.0.0.2", True), ("0.0.0.0", False), ("::", False),
                                       ("192.168.1.5", False), ("myhost.example", False)])
def test_loopback(host, loop):
    assert is_loopback(host) is loop


def test_settings_checks(tmp_path):
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "x.txt").write_text("x")
    with pytest.raises(ConfigError, match="not a corpus"):
        check(Settings(tmp_path, tmp_path / "stuff"))
    with pytest.raises(ConfigError, match="max_bytes"):
        check(Settings(tmp_path, tmp_path / "new", max_bytes=0))
    check(Settings(tmp_path, tmp_path / "new", host="0.0.0.0", token="long-enough-token"))
    with pytest.raises(ConfigError, match="allow-url-address 'intranet'"):
        check(Settings(tmp_path, tmp_path / "new", allow_url_networks=("intranet",)))
    check(Settings(tmp_path, tmp_path / "new", allow_url_networks=("10.1.0.0/16", "fd00::1")))


def test_allow_url_address_opens_only_the_named_networks():
    from scraper.download.pinned import AddressRefused
    from serve.urlsource import allow_networks_guard
    guard = allow_networks_guard(["10.1.0.0/16", "127.0.0.1"])
    guard("intranet", "10.1.2.3")
    guard("self", "127.0.0.1")
    guard("example.com", "93.184.216.34")                 # public stays allowed
    for ip in ("10.2.0.1", "127.0.0.2", "169.254.169.254", "::1", "192.168.1.1"):
        with pytest.raises(AddressRefused):
            guard("h", ip)
