"""nova's fake virt driver, with snapshots that reach Glance as real images (CI only)."""
