"""Store stage: WARC files (the evidence) and the index (where each capture is)."""
