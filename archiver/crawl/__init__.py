"""Crawl stage: seeds, sitemaps and scope in; HTTP exchanges out to the store."""
