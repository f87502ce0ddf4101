"""Wait until a nova or cinder service reports up.

usage: wait_service.py BINARY TIMEOUT      (BINARY: nova-compute, cinder-volume, cinder-scheduler…)
"""
import sys
import time

import openstack

binary, timeout = sys.argv[1], float(sys.argv[2])
conn = openstack.connect(cloud="admin")
services = conn.compute.services if binary.startswith("nova-") else conn.block_storage.services
deadline = time.monotonic() + timeout
while not any(s.binary == binary and s.state == "up" for s in services()):
    if time.monotonic() > deadline:
        sys.exit(f"{binary} did not come up within {timeout:.0f} s")
    time.sleep(0.5)
