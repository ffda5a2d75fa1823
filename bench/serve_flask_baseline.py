"""The baseline of bench/serve.py: the seed projects' way of serving a model (benchmark only).

    .venv/bin/python bench/serve_flask_baseline.py --model runs/NAME --port 0

Flask's development server (threaded, as `app.run()` is by default), and per request: read the
upload, decode it at full size, dlib HOG at upsample 1 on the whole photo (the plain loop that
bench/extract.py uses as its baseline), crop and resize each face, then one `model.predict`
call. Flask is installed for the benchmark only (`pip install flask`), never a requirement.
"""
from __future__ import annotations

import argparse
import io
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)


def make_app(model_path):
    import cv2
    import dlib
    import numpy as np
    from flask import Flask, jsonify, request
    from PIL import Image

    from train.card import load_model

    model, card = load_model(model_path)
    classes, size = card["classes"], card["input_size"]
    detector = dlib.get_frontal_face_detector()
    app = Flask("baseline")

    @app.post("/predict")
    def predict():
        file = request.files.get("image")
        if file is None:
            return jsonify(error="no image"), 400
        try:
            rgb = np.asarray(Image.open(io.BytesIO(file.read())).convert("RGB"))
        except Exception as exc:
            return jsonify(error=str(exc)), 400
        faces, boxes = [], []
        for r in detector(rgb, 1):
            crop = rgb[max(0, r.top()):r.bottom(), max(0, r.left()):r.right()]
            if crop.size:
                gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
                faces.append(cv2.resize(gray, (size, size)).astype(np.float32)[..., None])
                boxes.append([r.left(), r.top(), r.right(), r.bottom()])
        out = []
        if faces:
            probs = model.predict(np.stack(faces), verbose=0)
            out = [{"box": b, "probabilities": dict(zip(classes, map(float, p)))}
                   for b, p in zip(boxes, probs)]
        return jsonify(faces=out)

    return app


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--port", type=int, default=5000)
    args = ap.parse_args()
    quiet.load_tensorflow()
    app = make_app(args.model)
    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    print(f"baseline: ready on http://127.0.0.1:{port}/", flush=True)
    app.run(host="127.0.0.1", port=port, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
