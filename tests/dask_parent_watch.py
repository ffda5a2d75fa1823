"""Dask preload for the test cluster's processes: exit as soon as the test process is gone.

Without it, a test run killed with kill -9 would leave a scheduler and workers running.
"""
import os
import threading
import time


def dask_setup(server) -> None:
    parent = int(os.environ["FERKIT_TEST_PARENT"])

    def watch():
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)
            time.sleep(1)

    threading.Thread(target=watch, daemon=True, name="ferkit-parent-watch").start()
