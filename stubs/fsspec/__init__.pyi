from fsspec import core as core
from fsspec.spec import AbstractFileSystem as AbstractFileSystem

def filesystem(protocol: str, **storage_options: object) -> AbstractFileSystem: ...
