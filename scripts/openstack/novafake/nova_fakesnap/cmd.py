"""`nova-compute-fakesnap`: nova-compute able to load `compute_driver = fakesnap.SnapshotFakeDriver`, and
reading placement's allocations of the node's servers only where they are used."""
import sys
from collections.abc import Mapping


class _AllocationsWhenRead(Mapping):
    """The allocations of every consumer on a compute node, fetched from placement when first read."""

    def __init__(self, fetch):
        self._fetch = fetch
        self._fetched = None

    def _all(self):
        if self._fetched is None:
            self._fetched = self._fetch()
        return self._fetched

    def __getitem__(self, consumer):
        return self._all()[consumer]

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())


def read_allocations_when_used():
    """nova's resource tracker fetches the allocations of every server on the node (one placement GET each)
    on every claim and every periodic update, but reads them only to reshape the provider tree, which the
    fake driver never does (nor PCI in placement, off here): one build thus costs as many GETs as the node
    has servers, and a thousand servers take hours. Fetched when first read, they cost nothing otherwise."""
    from nova.scheduler.client import report

    eager = report.SchedulerReportClient.get_allocations_for_provider_tree

    def when_read(self, context, nodename):
        return _AllocationsWhenRead(lambda: eager(self, context, nodename))

    report.SchedulerReportClient.get_allocations_for_provider_tree = when_read


def main():
    # nova.cmd.compute first: it sets nova's concurrency mode before the rest of nova is imported.
    from nova.cmd import compute

    from nova_fakesnap import driver

    # nova loads compute drivers from its own namespace only ("nova.virt.<compute_driver>").
    sys.modules["nova.virt.fakesnap"] = driver
    read_allocations_when_used()
    compute.main()
