"""Browser capture: what the reader saw (screenshot, rendered DOM, layout) and evidence crops.

`capture_run` is the pipeline's stage after the crawl for sites with
`capture = "browser"`; `crops` turns a finding's located element into a picture.
"""

from archiver.browser.stage import BrowserResult, capture_run

__all__ = ["BrowserResult", "capture_run"]
