# make demo : set up everything on a fresh machine, then run the pipeline end to end offline.
# make test : set up everything, then run the test suite.
#
# Set-up runs the same command lines on a fresh machine and on one that already has every
# package (apt-get install and pip install are no-ops there), so the path a fresh machine takes
# is the one CI takes too. Root runs apt-get directly; anyone else goes through sudo. `env`
# carries DEBIAN_FRONTEND through sudo and also works with an empty prefix (a bare
# `VAR=value` after an empty $SUDO would be taken for a command name).
PY       := .venv/bin/python
# imagemagick: its `import` takes the labeler tests' screenshots of the real Tk window.
# python3-venv / python3-tk: a Debian python3 needs them for `-m venv` and the labeler.
APT_PKGS := chromium chromium-driver xvfb xdotool imagemagick python3-venv python3-tk
SUDO     ?= $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_GET  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
# pip's "running pip as root" warning is noise in a container or CI runner, where root is normal.
export PIP_ROOT_USER_ACTION := ignore

.PHONY: demo test setup apt venv clean-demo

setup: apt venv

apt: .stamp-apt
.stamp-apt:
	$(APT_GET) update
	$(APT_GET) install -y $(APT_PKGS)
	@touch $@

venv: .venv/.stamp-pip
# After apt (order only): `python3 -m venv` needs python3-venv, also under `make -j`.
.venv/.stamp-pip: requirements.txt | .stamp-apt
	python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

test: setup
	$(PY) -m pytest -q tests

demo: setup
	bash scripts/demo.sh

clean-demo:
	rm -rf datasets/demo runs/demo
