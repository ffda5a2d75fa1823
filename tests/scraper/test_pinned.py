"""The address guard: every resolved address is checked, redirect hops too, and the socket goes
to the address that was checked (a second DNS answer is never asked for)."""
import pytest

from scraper.download import FetchError, Fetcher
from scraper.download import pinned
from scraper.download.pinned import AddressRefused, address_kind, refuse_non_public

from .httpserver import LocalServer, ok, redirect


@pytest.fixture(scope="module")
def jpeg(shared_data):
    return (shared_data / "photos" / "face_recognition" / "obama_small.jpg").read_bytes()


@pytest.fixture
def server():
    s = LocalServer().start()
    yield s
    s.stop()


@pytest.mark.parametrize("ip,kind", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("10.1.2.3", "private"),
    ("192.168.0.1", "private"), ("172.16.5.4", "private"), ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"), ("100.64.0.1", "not globally routable"),
    ("93.184.216.34", None), ("2606:4700::1111", None)])
def test_address_kinds(ip, kind):
    assert address_kind(ip) == kind


def test_loopback_refused_before_any_connection(server, jpeg):
    url = server.add("/a.jpg", ok(jpeg))
    f = Fetcher(retries=0, address_guard=refuse_non_public)
    with pytest.raises(FetchError) as e:
        f.fetch(url)
    assert e.value.reason == "address refused" and "127.0.0.1" in str(e.value)
    assert server.hits["/a.jpg"] == 0
    # the same fetcher without a guard reaches it: the guard is what refused
    assert Fetcher(retries=0).fetch(url).data == jpeg


def test_each_redirect_hop_is_checked(server, jpeg):
    seen = []

    def only_numeric_host(host, ip):
        seen.append((host, ip))
        if host != "127.0.0.1":
            raise AddressRefused(f"{host} is not allowed")

    server.add("/target.jpg", ok(jpeg))
    start = server.add("/start", redirect(f"http://localhost:{server.port}/target.jpg"))
    f = Fetcher(retries=0, address_guard=only_numeric_host)
    with pytest.raises(FetchError) as e:
        f.fetch(start)
    assert e.value.reason == "address refused"
    assert server.hits["/start"] == 1 and server.hits["/target.jpg"] == 0
    assert seen[0] == ("127.0.0.1", "127.0.0.1") and seen[-1][0] == "localhost"


def test_connects_to_the_checked_address_not_a_second_lookup(server, jpeg, monkeypatch):
    """A name only our resolver knows: if anything resolved it again (as a rebinding attacker
    would exploit), the system resolver would fail on it."""
    calls = []

    def resolve(host, port):
        calls.append(host)
        assert host == "images.invalid"
        return [(2, 1, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(pinned, "_resolve", resolve)
    checked = []
    url = server.add("/p.jpg", ok(jpeg))
    f = Fetcher(retries=0, address_guard=lambda host, ip: checked.append((host, ip)))
    got = f.fetch(url.replace("127.0.0.1", "images.invalid"))
    assert got.data == jpeg and server.hits["/p.jpg"] == 1
    assert calls == ["images.invalid"] and checked == [("images.invalid", "127.0.0.1")]


def test_every_address_of_a_name_is_checked(monkeypatch):
    """A name with one public and one private address is refused, whichever comes first."""
    monkeypatch.setattr(pinned, "_resolve", lambda host, port: [
        (2, 1, 6, "", ("93.184.216.34", port)), (2, 1, 6, "", ("10.0.0.7", port))])
    with pytest.raises(FetchError) as e:
        Fetcher(retries=0, address_guard=refuse_non_public).fetch("http://mixed.invalid/x.jpg")
    assert "10.0.0.7" in str(e.value) and "private" in str(e.value)
