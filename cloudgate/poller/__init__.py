"""The polling subsystem: lists every (account, kind), diffs against the store, writes changes + events."""
