"""Benchmark: `python -m serve` against a Flask dev server with a model call per request.

    .venv/bin/pip install flask          # benchmark only, not in requirements.txt
    .venv/bin/python bench/serve.py --model runs/fer48 [--seconds 30] [--clients 16]

Both servers run on 127.0.0.1 with the same model, one after the other, each under CLIENTS
concurrent clients for SECONDS posting a one-face photo (multipart, as the page does); a few
requests warm each up first. Two rounds:
  same:   the same photo bytes every time (ferkit answers from the faces it stored for them)
  unique: a new image every time (the photo plus distinct trailing bytes, which decoders
          ignore), so ferkit decodes, detects, stores and predicts on every request
The baseline does the same full work either way. Prints requests/s, p50/p95 latency, errors
and the ratios, with the load average before and after; writes bench/results/serve-*.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import SHARED, add_progress_flag  # noqa: E402

from serve.launch import Child  # noqa: E402

PHOTO = SHARED / "photos" / "face_recognition" / "obama.jpg"


def load(url: str, photo: bytes, *, clients: int, seconds: float, unique: bool) -> dict:
    latencies, errors, lock = [], {}, threading.Lock()
    start_at = time.monotonic() + 0.5
    end_at = start_at + seconds

    def client(n: int):
        s, k = requests.Session(), 0
        while time.monotonic() < start_at:
            time.sleep(0.001)
        while time.monotonic() < end_at:
            data = photo + f"ferkit-bench-{n}-{k}".encode() if unique else photo
            k += 1
            t = time.perf_counter()
            try:
                r = s.post(url, files={"image": ("photo.jpg", data)}, timeout=120)
                status = r.status_code
                ok = status == 200 and len(r.json()["faces"]) >= 1
            except requests.RequestException as exc:
                status, ok = type(exc).__name__, False
            dt = time.perf_counter() - t
            if time.monotonic() > end_at:        # finished after the window: not counted
                break
            with lock:
                if ok:
                    latencies.append(dt)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    pick = lambda q: round(1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1)  # noqa: E731
    return {"requests": len(latencies), "req_per_s": round(len(latencies) / seconds, 2),
            "p50_ms": pick(0.50) if latencies else None,
            "p95_ms": pick(0.95) if latencies else None, "errors": errors}


def warm(url: str, photo: bytes, n: int = 4) -> None:
    for _ in range(60):                     # the Flask server prints before it binds
        try:
            requests.post(url, files={"image": ("photo.jpg", photo)}, timeout=120)
            break
        except requests.ConnectionError:
            time.sleep(0.5)
    for _ in range(n):
        r = requests.post(url, files={"image": ("photo.jpg", photo)}, timeout=120)
        r.raise_for_status()


def run_server(name: str, cmd: list[str], path: str, photo: bytes, args, rounds) -> dict:
    child = Child(cmd, cwd=ROOT, log=Path(tempfile.gettempdir()) / f"bench-serve-{name}.log")
    child.start()
    out = {}
    try:
        url = child.url(path)
        warm(url, photo)
        for mode in rounds:
            before = os.getloadavg()
            out[mode] = load(url, photo, clients=args.clients, seconds=args.seconds,
                             unique=mode == "unique")
            out[mode]["load_before"] = [round(v, 2) for v in before]
            out[mode]["load_after"] = [round(v, 2) for v in os.getloadavg()]
            print(f"{name:>8} {mode:>6}: {out[mode]}", flush=True)
        if name == "ferkit":
            out["health"] = requests.get(child.url("/v1/health"), timeout=30).json()
    finally:
        child.stop()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="run directory of `python -m train fit`")
    ap.add_argument("--photo", default=str(PHOTO), help="a one-face photo")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rounds", default="same,unique")
    add_progress_flag(ap)
    args = ap.parse_args()
    photo = Path(args.photo).read_bytes()
    rounds = args.rounds.split(",")
    print(f"cores {os.cpu_count()}, load before {os.getloadavg()}, {args.clients} clients x "
          f"{args.seconds:g} s per round, photo {Path(args.photo).name} ({len(photo):,} bytes)")
    with tempfile.TemporaryDirectory() as tmp:
        base = run_server("baseline", [sys.executable, "bench/serve_flask_baseline.py",
                                       "--model", args.model, "--port", "0"],
                          "/predict", photo, args, rounds)
        ours = run_server("ferkit", [sys.executable, "-m", "serve", "--model", args.model,
                                     "--corpus", str(Path(tmp) / "web"), "--port", "0",
                                     "--rate-limit", "0"], "/v1/predict", photo, args, rounds)
    result = {"clients": args.clients, "seconds": args.seconds, "photo": Path(args.photo).name,
              "model": str(args.model), "baseline": base, "ferkit": ours, "ratios": {}}
    for mode in rounds:
        b, o = base[mode], ours[mode]
        ratio = o["req_per_s"] / b["req_per_s"] if b["req_per_s"] else float("inf")
        result["ratios"][mode] = round(ratio, 2)
        print(f"RATIO {mode}: ferkit/baseline requests/s {ratio:.2f}; p95 {o['p95_ms']} ms vs "
              f"{b['p95_ms']} ms")
    print(f"batching: {ours['health']['batching']}")
    out = ROOT / "bench" / "results" / f"serve-{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
