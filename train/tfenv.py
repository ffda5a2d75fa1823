"""Environment TensorFlow reads once, at import: set here, before anything imports it.

oneDNN: TensorFlow's x86 wheels turn their oneDNN (MKL) kernels on by default only on CPUs
with AVX-512 VNNI/BF16 or AMX. On the AVX2-only AMD EPYC (Zen 3) machines this project also
runs on, they stay off and convolutions fall back to Eigen: the vgg preset then needed 24 CPU-s
per 1,024 training faces against 14.5 CPU-s with oneDNN on (about 1.6x; small preset 1.5x;
measured 2026-12-04, docs/train.md). So it is on unless the user set TF_ENABLE_ONEDNN_OPTS
themselves (0 turns it off, e.g. to compare against the other kernels).
"""
import os

USER_ONEDNN = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
