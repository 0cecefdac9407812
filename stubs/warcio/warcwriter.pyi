from typing import IO

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord

class BaseWARCWriter(RecordBuilder):
    gzip: bool
    def __init__(
        self,
        gzip: bool = True,
        *,
        warc_version: str | None = None,
        header_filter: object = None,
    ) -> None: ...
    def write_request_response_pair(
        self, req: ArcWarcRecord, resp: ArcWarcRecord, params: object = None
    ) -> None: ...
    def write_record(self, record: ArcWarcRecord, params: object = None) -> None: ...

class WARCWriter(BaseWARCWriter):
    out: IO[bytes]
    def __init__(
        self,
        filebuf: IO[bytes],
        gzip: bool = True,
        *,
        warc_version: str | None = None,
        header_filter: object = None,
    ) -> None: ...

class BufferWARCWriter(WARCWriter):
    def __init__(
        self,
        gzip: bool = True,
        *,
        warc_version: str | None = None,
        header_filter: object = None,
    ) -> None: ...
    def get_contents(self) -> bytes: ...
    def get_stream(self) -> IO[bytes]: ...
