"""What the drivers' image transfers share: telling an upload's progress as its bytes go."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from cloudgate.drivers.base import Progress


async def reporting_progress(chunks: AsyncIterator[bytes], progress: Progress) -> AsyncGenerator[bytes, None]:
    """`chunks` as they come; `progress` hears the bytes taken so far each time the uploader asks for more,
    so a chunk counts once the cloud (or the socket to it) has taken it, not when it was handed over."""
    sent = 0
    async for chunk in chunks:
        yield chunk
        sent += len(chunk)
        progress(sent)
