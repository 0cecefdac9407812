from typing import IO

from warcio.statusandheaders import StatusAndHeaders

class ArcWarcRecord:
    format: str
    rec_type: str
    rec_headers: StatusAndHeaders
    raw_stream: IO[bytes]
    http_headers: StatusAndHeaders | None
    content_type: str
    length: int | None
    payload_length: int
    def content_stream(self) -> IO[bytes]: ...
