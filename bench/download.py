"""Benchmark: ferkit's downloader against img2dataset on the same 2,000 local URLs, same run.

A server in its own process on 127.0.0.1 serves real JPEG/PNG images from ../shared/data
(muxspace, photos, FER2013), repeated under distinct URLs. Both tools get the same URL list and
the same thread count and keep the original bytes:
- ferkit: Downloader(workers=T, per_host=T) into a fresh corpus (magic-byte sniff, full Pillow
  decode, SHA-256 content-addressed file + catalog row per image);
- img2dataset: resize_mode="no", skip_reencode=True (decodes each image with OpenCV, stores the
  original bytes), output_format="files", extract_exif=False, one process with T threads.
ferkit's per-host cap is raised to T because all URLs share one host and img2dataset has no
such cap. `--unique` appends a distinct tail after each image's end marker so every URL has
different bytes (ferkit then cannot shortcut repeated bytes as duplicates); without it, the
images repeat byte-for-byte as they would on a real web.

img2dataset is installed only for this benchmark: `.venv/bin/pip install img2dataset`.

    .venv/bin/python bench/download.py [--n 2000] [--threads 16] [--unique] [--max-seconds 600]
    .venv/bin/python bench/download.py --cluster local:2 [--n 2000] [--threads 16]

--cluster SPEC compares ferkit's local thread pool with ferkit on a Dask cluster instead (no
img2dataset): the URLs alternate between two host names of the same server (127.0.0.1 and
localhost), --per-host is half the threads, so both runs have the same requests in flight
(the cluster's workers each take one host at a time, politeness being per host cluster-wide).
It prints images/s of both, their ratio, and the image bytes each cluster worker fetched per
second.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import SHARED, add_progress_flag  # noqa: E402

from corpus import Corpus, sniff  # noqa: E402
from scraper.download import Downloader, Job  # noqa: E402



def pool_of_images(shared: Path) -> list[bytes]:
    files = sorted((shared / "muxspace" / "images").glob("*.jpg"))
    files += sorted((shared / "photos").rglob("*.jpg")) + sorted((shared / "photos").rglob("*.png"))
    files += sorted((shared / "fer2013_images" / "test").rglob("*.jpg"))[:300]
    out = []
    for f in files:
        data = f.read_bytes()
        # JPEG and PNG only: OpenCV (img2dataset's decoder) reads neither GIF nor every WebP.
        if sniff(data) in ("JPEG", "PNG") and f.name != "truncated.jpg":
            out.append(data)
    return out


def serve(port_q, n: int, unique: bool, shared: str) -> None:
    """The image server, in its own process so it does not share a GIL with the clients."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    pool = pool_of_images(Path(shared))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus the
        # client's delayed ACK add ~40 ms to every keep-alive response.
        disable_nagle_algorithm = True

        def log_message(self, *a):
            pass

        def do_GET(self):
            try:
                i = int(self.path.rsplit("/", 1)[1].split(".")[0])
            except ValueError:
                i = -1
            if not 0 <= i < n:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = pool[i % len(pool)]
            if unique:
                body += b"ferkit-bench-%d" % i   # after EOI/IEND: decoders ignore it
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

        def handle_error(self, *a):
            pass

    httpd = Server(("127.0.0.1", 0), Handler)
    port_q.put(httpd.server_address[1])
    httpd.serve_forever()


def run_ferkit(urls: list[str], threads: int, work: Path, per_host: int | None = None,
               cluster=None, name: str = "ferkit") -> tuple[float, int]:
    corpus = Corpus(work / name)
    jobs = [Job(u, None, {"engine": "bench", "query": "bench", "page_url": None}) for u in urls]
    t0 = time.perf_counter()
    with Downloader(corpus, workers=threads, per_host=per_host or threads, timeout=(5, 20),
                    progress=False, cluster=cluster) as d:
        s = d.run(jobs)
    dt = time.perf_counter() - t0
    print(f"  {name}: {s}")
    corpus.close()
    return dt, s.downloaded + s.duplicates


def bench_cluster(args, port: int, work: Path) -> int:
    from corpus.cluster import connect
    urls = [f"http://{('127.0.0.1', 'localhost')[i % 2]}:{port}/img/{i}.jpg"
            for i in range(args.n)]
    per_host = max(1, args.threads // 2)
    print(f"{args.n} URLs on 2 host names, {args.threads} requests in flight "
          f"(--per-host {per_host}); load {os.getloadavg()}")
    run_ferkit(urls[:20], args.threads, work, per_host, name="warm-pool")
    t_p, ok_p = run_ferkit(urls, args.threads, work, per_host, name="pool")
    with connect(args.cluster, threads=4) as client:
        workers = len(client.nthreads())
        run_ferkit(urls[:20], args.threads, work, per_host, client, name="warm-cluster")
        t_c, ok_c = run_ferkit(urls, args.threads, work, per_host, client, name="cluster")
    with Corpus(work / "cluster") as c:         # every fetched body, duplicates included
        nbytes = sum((c.root / path).stat().st_size * n for path, n in c.db.execute(
            "SELECT i.path, COUNT(*) FROM items i JOIN provenance p ON p.item_id = i.id"
            " WHERE i.path IS NOT NULL GROUP BY i.id"))
    print(f"local pool {ok_p:5d} images in {t_p:6.2f} s = {ok_p / t_p:7.1f} images/s")
    print(f"cluster    {ok_c:5d} images in {t_c:6.2f} s = {ok_c / t_c:7.1f} images/s "
          f"({workers} workers); load {os.getloadavg()}")
    print(f"fetched bytes per worker: {nbytes / t_c / workers / 1e6:.2f} MB/s "
          f"({nbytes / 1e6:.1f} MB in all)")
    print(f"ratio cluster / pool = {t_p / t_c:.2f}")
    return 0


def run_img2dataset(urls: list[str], threads: int, work: Path) -> tuple[float, int, float]:
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    from img2dataset import download

    url_file = work / "urls.txt"
    url_file.write_text("\n".join(urls) + "\n")
    out = work / "img2dataset"
    t0 = time.perf_counter()
    download(url_list=str(url_file), input_format="txt", output_folder=str(out),
             output_format="files", resize_mode="no", skip_reencode=True, extract_exif=False,
             processes_count=1, thread_count=threads, timeout=20, retries=0,
             number_sample_per_shard=len(urls), enable_wandb=False, compute_hash="sha256")
    dt = time.perf_counter() - t0
    stats = [json.loads(p.read_text()) for p in out.glob("*_stats.json")]
    ok = sum(st["successes"] for st in stats)
    # Its own clock covers only the shard's download loop, not starting its worker process.
    inner = max(st["end_time"] for st in stats) - min(st["start_time"] for st in stats)
    print(f"  img2dataset: {ok} ok of {len(urls)}; its download loop took {inner:.2f} s")
    return dt, ok, inner


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--unique", action="store_true", help="distinct bytes behind every URL")
    ap.add_argument("--max-seconds", type=int, default=600, help="abort the whole run after this")
    ap.add_argument("--cluster", metavar="SPEC", help="ferkit on Dask against ferkit's pool")
    add_progress_flag(ap)
    args = ap.parse_args()
    if not SHARED.is_dir():
        print(f"no real data at {SHARED}", file=sys.stderr)
        return 2
    try:
        if not args.cluster:        # the cluster run compares ferkit with itself
            import img2dataset  # noqa: F401
    except ImportError:
        print("img2dataset is not installed: .venv/bin/pip install img2dataset", file=sys.stderr)
        return 2

    def timeout(*_):
        raise TimeoutError(f"benchmark exceeded --max-seconds {args.max_seconds}")
    signal.signal(signal.SIGALRM, timeout)
    signal.alarm(args.max_seconds)

    work = Path(tempfile.mkdtemp(prefix="ferkit-bench-download-"))
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    server = ctx.Process(target=serve, args=(q, args.n, args.unique, str(SHARED)), daemon=True)
    server.start()
    try:
        port = q.get(timeout=60)
        if args.cluster:
            return bench_cluster(args, port, work)
        urls = [f"http://127.0.0.1:{port}/img/{i}.jpg" for i in range(args.n)]
        n_pool = len(pool_of_images(SHARED))
        print(f"{args.n} URLs over {n_pool} real images, {args.threads} threads each, "
              f"{'unique' if args.unique else 'repeated'} bytes, {os.cpu_count()} CPUs")
        # Warm both code paths (imports, first connections) on a few URLs, untimed.
        run_ferkit(urls[:20], args.threads, work / "warm")
        t_f, ok_f = run_ferkit(urls, args.threads, work)
        t_i, ok_i, inner_i = run_img2dataset(urls, args.threads, work)
        rate_f, rate_i, rate_inner = ok_f / t_f, ok_i / t_i, ok_i / inner_i
        print(f"ferkit      {ok_f:5d} images in {t_f:6.2f} s = {rate_f:7.1f} images/s")
        print(f"img2dataset {ok_i:5d} images in {t_i:6.2f} s = {rate_i:7.1f} images/s (whole call)")
        print(f"img2dataset {ok_i:5d} images in {inner_i:6.2f} s = {rate_inner:7.1f} images/s "
              f"(its download loop only, excluding process start-up)")
        print(f"ratio ferkit / img2dataset = {rate_f / rate_i:.2f} (whole call), "
              f"{rate_f / rate_inner:.2f} (against its download loop only)")
        return 0
    finally:
        signal.alarm(0)
        server.terminate()
        server.join(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
