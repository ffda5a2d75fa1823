"""GET /v1/health, /v1/model, the page and the OpenAPI docs."""
import json

import requests


def test_health_and_model(server, serve_model):
    card = json.loads((serve_model / "model_card.json").read_text())
    h = requests.get(server.url("/v1/health"), timeout=30).json()
    assert h["status"] == "ok" and h["auth"] is False and h["model"] == card["name"]
    m = requests.get(server.url("/v1/model"), timeout=30).json()
    assert m["classes"] == card["classes"] and m["input_size"] == card["input_size"] == 48
    assert m["metrics"]["val_accuracy"] == card["metrics"]["val_accuracy"]
    assert m["face_size"] == 100 and m["extractor"]["detector"] == "hog"
    assert set(card["classes"]) <= set(m["feedback_labels"])


def test_page_and_docs(server):
    page = requests.get(server.url("/"), timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="/static/app.js"' in page.text and 'id="file"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    spec = requests.get(server.url("/openapi.json"), timeout=30).json()
    assert {"/v1/predict", "/v1/feedback", "/v1/health", "/v1/model",
            "/v1/images/{image_id}"} <= set(spec["paths"])
    body = spec["paths"]["/v1/predict"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/json"} <= set(body)
    assert requests.get(server.url("/docs"), timeout=30).status_code == 200


def test_tensorflow_banners_stay_quiet(server):
    log = server.log_path.read_text()
    assert "serve: loading" in log
    assert "oneDNN" not in log and "absl::InitializeLog" not in log
