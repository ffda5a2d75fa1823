"""The bearer token and the per-client rate limit, on a real server started with --token."""
import http.client
import json

import requests

from .conftest import TOKEN, post_image

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_write_and_image_routes_need_the_token(guarded, photos):
    photo = photos / "face_recognition" / "obama_small.jpg"
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}):
        r = post_image(guarded, photo, headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.json()["error"] == "unauthorized" and r.headers["www-authenticate"] == "Bearer"
    r = requests.post(guarded.url("/v1/feedback"), json={"image_id": 1, "face_index": 0,
                                                         "label": "sad"}, timeout=30)
    assert r.status_code == 401
    assert requests.get(guarded.url("/v1/images/1"), timeout=30).status_code == 401
    up = post_image(guarded, photo, headers=AUTH)
    assert up.status_code == 200, up.text
    fb = requests.post(guarded.url("/v1/feedback"), headers=AUTH, timeout=30,
                       json={"image_id": up.json()["image_id"], "face_index": 0, "label": "sad"})
    assert fb.status_code == 201
    assert requests.get(guarded.url(f"/v1/images/{up.json()['image_id']}"), headers=AUTH,
                        timeout=30).status_code == 200
    # what tells a client about the server stays public
    health = requests.get(guarded.url("/v1/health"), timeout=30).json()
    assert health["auth"] is True
    assert requests.get(guarded.url("/v1/model"), timeout=30).status_code == 200


def _get_from(server, source_ip: str, path: str):
    """One request from another loopback address: the limiter keys on the peer address."""
    host, port = server.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source_ip, 0))
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()      # msg: case-insensitive headers
    finally:
        conn.close()


def test_rate_limit_answers_429_with_retry_after_per_client(guarded):
    statuses, refused = [], None
    while refused is None and len(statuses) < 300:    # burst 40, then 1 per second
        status, headers, body = _get_from(guarded, "127.0.0.9", "/v1/model")
        statuses.append(status)
        if status == 429:
            refused = (headers, json.loads(body))
    assert statuses[:30] == [200] * 30 and refused is not None
    headers, body = refused
    assert int(headers["Retry-After"]) >= 1 and body["error"] == "rate_limited"
    assert "127.0.0.9" in body["detail"]
    # another client is not slowed down by that one
    assert _get_from(guarded, "127.0.0.10", "/v1/model")[0] == 200
    assert requests.get(guarded.url("/v1/model"), timeout=30).status_code == 200
