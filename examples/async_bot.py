"""The async client in an asyncio program (a bot, a web handler): concurrent calls, an
upload and a download, an async folder walk, and cancelling a transfer.

Reads STREAMTAPE_LOGIN, STREAMTAPE_KEY (and optionally STREAMTAPE_BASE_URL) from the
environment. Needs the async extra: pip install "streamtape-sdk[async]". Try it against the
local emulator:

    python -m streamtape_sdk.testing          # prints the three variables to export
    python examples/async_bot.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

from streamtape_sdk import AsyncStreamtape


async def main() -> None:
    async with AsyncStreamtape() as client:
        account = await client.account.info()
        print(f"account: {account.email}")

        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "clip.bin"
            source.write_bytes(os.urandom(2 * 1024 * 1024))
            uploaded = await client.files.upload(source)
            print(f"uploaded {uploaded.name}: {uploaded.size} bytes")

            # Many calls at once share the client's connection pool.
            folder, infos = await asyncio.gather(
                client.folders.create("async-demo"), client.files.info([uploaded.id])
            )
            print(f"created folder {folder.folder_id}; info of {len(infos)} file")
            await client.files.move(uploaded.id, folder.folder_id)

            async for entry in client.folders.walk():
                print(f"/{entry.path}: {len(entry.files)} files")

            # Cancelling the task stops the download and keeps its partial state.
            target = Path(tmp) / "back.bin"
            task = asyncio.create_task(client.files.download(uploaded.id, target))
            await asyncio.sleep(0)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                print("download cancelled; the client stays usable")
            await client.files.download(uploaded.id, target)  # resumes, or starts over
            same = target.read_bytes() == source.read_bytes()
            print(f"downloaded {target.name}: {'identical' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    asyncio.run(main())
