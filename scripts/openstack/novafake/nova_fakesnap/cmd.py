"""`nova-compute-fakesnap`: nova-compute able to load `compute_driver = fakesnap.SnapshotFakeDriver`."""
import sys


def main():
    # nova.cmd.compute first: it sets nova's concurrency mode before the rest of nova is imported.
    from nova.cmd import compute

    from nova_fakesnap import driver

    # nova loads compute drivers from its own namespace only ("nova.virt.<compute_driver>").
    sys.modules["nova.virt.fakesnap"] = driver
    compute.main()
