from collections.abc import Mapping
from typing import IO

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester

class RecordBuilder:
    warc_version: str
    def __init__(self, warc_version: str | None = None, header_filter: object = None) -> None: ...
    def create_warcinfo_record(
        self, filename: str, info: Mapping[str, object]
    ) -> ArcWarcRecord: ...
    def create_revisit_record(
        self,
        uri: str,
        digest: str,
        refers_to_uri: str,
        refers_to_date: str,
        http_headers: StatusAndHeaders | None = None,
        warc_headers_dict: Mapping[str, str] | None = None,
    ) -> ArcWarcRecord: ...
    def create_warc_record(
        self,
        uri: str,
        record_type: str,
        payload: IO[bytes] | None = None,
        length: int | None = None,
        warc_content_type: str = "",
        warc_headers_dict: Mapping[str, str] | None = None,
        warc_headers: StatusAndHeaders | None = None,
        http_headers: StatusAndHeaders | None = None,
    ) -> ArcWarcRecord: ...
    def ensure_digest(
        self, record: ArcWarcRecord, block: bool = True, payload: bool = True
    ) -> None: ...
    @staticmethod
    def _create_digester() -> Digester: ...
