# make demo : set up everything on a fresh machine, then run the pipeline end to end offline.
# make test : set up everything, then run the test suite.
PY      := .venv/bin/python
# imagemagick: its `import` takes the labeler tests' screenshots of the real Tk window.
APT_PKGS := chromium chromium-driver xvfb xdotool imagemagick

.PHONY: demo test setup apt venv clean-demo

setup: apt venv

apt: .stamp-apt
.stamp-apt:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && command -v Xvfb >/dev/null && command -v xdotool >/dev/null && command -v import >/dev/null; then \
	  echo "apt packages already present"; \
	else \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && $$SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y $(APT_PKGS); \
	fi
	@touch $@

venv: .venv/.stamp-pip
.venv/.stamp-pip: requirements.txt
	@[ -x $(PY) ] || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

test: setup
	$(PY) -m pytest -q tests

demo: setup
	bash scripts/demo.sh

clean-demo:
	rm -rf datasets/demo runs/demo
