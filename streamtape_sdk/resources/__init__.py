"""The four resources: `Account`, `Files`, `Remote`, `Folders`."""

from .account import Account
from .files import Files
from .folders import Folders
from .remote import Remote

__all__ = ["Account", "Files", "Folders", "Remote"]
