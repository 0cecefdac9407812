from collections.abc import Callable
from typing import overload

@overload
def surt(
    url: str | None, canonicalizer: Callable[..., object] | None = None, **options: object
) -> str: ...
@overload
def surt(
    url: bytes, canonicalizer: Callable[..., object] | None = None, **options: object
) -> bytes: ...
