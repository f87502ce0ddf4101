"""A FakeDriver whose snapshots become active Glance images.

nova's FakeDriver leaves a snapshot's image queued forever (it uploads nothing), so an image made
from a server never becomes usable. This one uploads a tiny raw disk, as libvirt uploads the real one.
"""
import io

from nova.image import glance
from nova.virt import fake

SNAPSHOT_BYTES = b"\0" * 1024


class SnapshotFakeDriver(fake.FakeDriver):

    def __init__(self, virtapi, read_only=False):
        super().__init__(virtapi, read_only)
        self._image_api = glance.API()

    def snapshot(self, context, instance, image_id, update_task_state):
        super().snapshot(context, instance, image_id, update_task_state)
        metadata = {"disk_format": "raw", "container_format": "bare",
                    "properties": {"image_location": "snapshot", "owner_id": instance.project_id}}
        self._image_api.update(context, image_id, metadata, io.BytesIO(SNAPSHOT_BYTES), purge_props=False)
