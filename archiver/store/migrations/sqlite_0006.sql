-- The schema of a new SQLite index at revision 0006, as the migrations create it
-- (sqlite_master in order). Written by `python -m tests.scale.test_migrations`;
-- tests/scale/test_migrations.py fails when it differs. Do not edit.

CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

CREATE TABLE runs (
	id INTEGER NOT NULL, 
	site VARCHAR(200) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	status VARCHAR(20) NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	pid INTEGER, 
	hostname VARCHAR(200), 
	stats TEXT NOT NULL, 
	error TEXT, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_runs_site ON runs (site);

CREATE TABLE warc_files (
	name VARCHAR(300) NOT NULL, 
	run_id INTEGER NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	committed BIGINT NOT NULL, 
	size BIGINT, 
	sha256 VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	closed_at DATETIME, stored_at DATETIME, 
	PRIMARY KEY (name), 
	FOREIGN KEY(run_id) REFERENCES runs (id)
);

CREATE TABLE captures (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	site VARCHAR(200) NOT NULL, 
	url TEXT NOT NULL, 
	canonical_url TEXT NOT NULL, 
	captured_at DATETIME NOT NULL, 
	status INTEGER NOT NULL, 
	content_type VARCHAR(200), 
	payload_digest VARCHAR(100) NOT NULL, 
	record_type VARCHAR(20) NOT NULL, 
	refers_to INTEGER, 
	warc_file VARCHAR(300) NOT NULL, 
	"offset" BIGINT NOT NULL, 
	length BIGINT NOT NULL, 
	etag VARCHAR(300), 
	last_modified VARCHAR(100), 
	location TEXT, 
	truncated VARCHAR(20), 
	is_page BOOLEAN NOT NULL, 
	depth INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES runs (id), 
	FOREIGN KEY(refers_to) REFERENCES captures (id)
);

CREATE INDEX ix_captures_run_id ON captures (run_id);

CREATE INDEX ix_captures_payload_digest ON captures (payload_digest);

CREATE INDEX ix_captures_site_url_time ON captures (site, canonical_url, captured_at);

CREATE TABLE frontier (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	canonical_url TEXT NOT NULL, 
	url TEXT NOT NULL, 
	depth INTEGER NOT NULL, 
	kind VARCHAR(10) NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	reason TEXT, 
	parent TEXT, 
	redirects INTEGER NOT NULL, listed BOOLEAN DEFAULT '0' NOT NULL, lastmod DATETIME, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_frontier_run_url UNIQUE (run_id, canonical_url), 
	FOREIGN KEY(run_id) REFERENCES runs (id)
);

CREATE INDEX ix_frontier_run_status ON frontier (run_id, status, id);

CREATE TABLE page_models (
	payload_digest VARCHAR(100) NOT NULL, 
	extractor_version VARCHAR(40) NOT NULL, 
	profile VARCHAR(80) NOT NULL, 
	model TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (payload_digest, extractor_version, profile)
);

CREATE TABLE violations (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	capture_id INTEGER NOT NULL, 
	site VARCHAR(200) NOT NULL, 
	rule VARCHAR(100) NOT NULL, 
	severity VARCHAR(10) NOT NULL, 
	url TEXT NOT NULL, 
	canonical_url TEXT NOT NULL, 
	message TEXT NOT NULL, 
	pointer TEXT NOT NULL, 
	evidence TEXT NOT NULL, 
	subject TEXT NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	captured_at DATETIME NOT NULL, 
	pack VARCHAR(100), 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES runs (id), 
	FOREIGN KEY(capture_id) REFERENCES captures (id)
);

CREATE INDEX ix_violations_run_id ON violations (run_id);

CREATE INDEX ix_violations_capture_id ON violations (capture_id);

CREATE INDEX ix_violations_fingerprint ON violations (fingerprint);

CREATE TABLE checks (
	id INTEGER NOT NULL, 
	run_id INTEGER NOT NULL, 
	site VARCHAR(200) NOT NULL, 
	checked_at DATETIME NOT NULL, 
	pages INTEGER NOT NULL, 
	violations INTEGER NOT NULL, 
	rules TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(run_id) REFERENCES runs (id)
);

CREATE INDEX ix_checks_run_id ON checks (run_id);

CREATE TABLE tracked_runs (
	run_id INTEGER NOT NULL, 
	site VARCHAR(200) NOT NULL, 
	previous_run_id INTEGER, 
	tracked_at DATETIME NOT NULL, 
	pages INTEGER NOT NULL, 
	counts TEXT NOT NULL, 
	"trigger" VARCHAR(20) NOT NULL, 
	PRIMARY KEY (run_id), 
	FOREIGN KEY(run_id) REFERENCES runs (id), 
	FOREIGN KEY(previous_run_id) REFERENCES runs (id)
);

CREATE INDEX ix_tracked_runs_site ON tracked_runs (site);

CREATE TABLE findings (
	run_id INTEGER NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	site VARCHAR(200) NOT NULL, 
	status VARCHAR(12) NOT NULL, 
	rule VARCHAR(100) NOT NULL, 
	severity VARCHAR(10) NOT NULL, 
	url TEXT NOT NULL, 
	canonical_url TEXT NOT NULL, 
	first_seen_run INTEGER NOT NULL, 
	first_seen_at DATETIME NOT NULL, 
	last_seen_run INTEGER NOT NULL, 
	last_seen_at DATETIME NOT NULL, 
	closed_run INTEGER, 
	note TEXT, 
	suppression TEXT, 
	violation TEXT NOT NULL, 
	PRIMARY KEY (run_id, fingerprint), 
	FOREIGN KEY(run_id) REFERENCES runs (id)
);

CREATE INDEX ix_findings_site_fingerprint ON findings (site, fingerprint);

CREATE TABLE page_texts (
	payload_digest VARCHAR(100) NOT NULL, 
	title TEXT NOT NULL, 
	text TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (payload_digest)
);

CREATE VIRTUAL TABLE page_texts_fts USING fts5(title, text, content='page_texts', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER page_texts_ai AFTER INSERT ON page_texts BEGIN INSERT INTO page_texts_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END;

CREATE TRIGGER page_texts_ad AFTER DELETE ON page_texts BEGIN INSERT INTO page_texts_fts(page_texts_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text); END;

CREATE INDEX ix_captures_page_list ON captures (site, canonical_url, is_page, id);

CREATE INDEX ix_violations_run_url ON violations (run_id, canonical_url);

CREATE INDEX ix_violations_run_rule ON violations (run_id, rule, id);

CREATE INDEX ix_violations_url ON violations (canonical_url, capture_id);

CREATE INDEX ix_violations_run_fingerprint ON violations (run_id, fingerprint);

CREATE TABLE run_manifests (
	run_id INTEGER NOT NULL, 
	site VARCHAR(200) NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	previous_run_id INTEGER, 
	key_id VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	manifest TEXT NOT NULL, 
	PRIMARY KEY (run_id), 
	FOREIGN KEY(run_id) REFERENCES runs (id)
);

CREATE INDEX ix_run_manifests_site ON run_manifests (site);

