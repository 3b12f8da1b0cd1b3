"""First calls: check the credentials, list the root folder, look files up.

Reads STREAMTAPE_LOGIN, STREAMTAPE_KEY (and optionally STREAMTAPE_BASE_URL) from the
environment. Try it against the local emulator:

    python -m streamtape_sdk.testing          # prints the three variables to export
    python examples/quickstart.py
"""

from __future__ import annotations

from streamtape_sdk import Streamtape


def main() -> None:
    with Streamtape() as client:
        account = client.account.info()
        print(f"account: {account.email} (signed up {account.signup_at:%Y-%m-%d})")

        listing = client.folders.list()  # the root folder
        print(f"root: {len(listing.folders)} folders, {len(listing.files)} files")
        for folder in listing.folders:
            print(f"  [dir]  {folder.name}  ({folder.id})")
        for file in listing.files:
            print(f"  [file] {file.name}  {file.size} bytes  ({file.link_id})")

        if listing.files:
            infos = client.files.info(f.link_id for f in listing.files)
            converted = sum(1 for info in infos.values() if info.converted)
            print(f"{converted} of {len(infos)} files converted")


if __name__ == "__main__":
    main()
