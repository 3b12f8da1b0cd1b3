"""Print the whole folder tree with file sizes, like `du`, using `folders.walk()`."""

from __future__ import annotations

from streamtape_sdk import Streamtape


def main() -> None:
    total_files = total_bytes = 0
    with Streamtape() as client:
        for entry in client.folders.walk():  # top-down, one API call per folder
            print(f"/{entry.path}")
            for file in entry.files:
                print(f"  {file.size:>12,}  {file.name}")
                total_files += 1
                total_bytes += file.size
    print(f"{total_files} files, {total_bytes:,} bytes")


if __name__ == "__main__":
    main()
