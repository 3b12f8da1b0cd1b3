"""The typed errors: what a missing file, bad credentials and no credentials look like."""

from __future__ import annotations

from streamtape_sdk import (
    APIError,
    MissingCredentialsError,
    NotFoundError,
    PermissionDeniedError,
    Streamtape,
    StreamtapeError,
)


def main() -> None:
    with Streamtape() as client:
        # 1. An unknown file: the API answers status 404 -> NotFoundError.
        try:
            client.files.get_download_ticket("doesNotExist123")
        except NotFoundError as error:
            print(f"NotFoundError: status={error.status} endpoint={error.endpoint}")

        # ... but file/info reports missing files per entry instead of failing.
        info = client.files.info("doesNotExist123")["doesNotExist123"]
        print(f"file/info entry: exists={info.exists} status={info.status} name={info.name}")

        # 2. A wrong key: status 403 -> PermissionDeniedError (the key never appears).
        with Streamtape(client.login, "wrong-key", base_url=client.base_url) as wrong:
            try:
                wrong.account.info()
            except PermissionDeniedError as error:
                print(f"PermissionDeniedError: status={error.status}")

        # 3. No credentials: raised before any network I/O.
        with Streamtape(login="", key="", base_url=client.base_url) as anonymous:
            try:
                anonymous.account.info()
            except MissingCredentialsError:
                print("MissingCredentialsError: set STREAMTAPE_LOGIN and STREAMTAPE_KEY")

        # 4. One handler for everything the SDK raises.
        try:
            client.folders.list("noSuchFoldr")
        except APIError as error:
            print(f"{type(error).__name__}: status={error.status} message={error.message!r}")
        except StreamtapeError as error:
            print(f"other SDK failure: {error}")


if __name__ == "__main__":
    main()
