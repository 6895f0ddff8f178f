-- API keys: only a SHA-256 of each key and a short display prefix, never the key itself.
-- Times are Unix epoch milliseconds (UTC); ids are UUID text.
CREATE TABLE api_keys (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    owner        TEXT    NULL,
    prefix       TEXT    NOT NULL,
    key_hash     BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NULL,
    revoked_at   INTEGER NULL
);

CREATE INDEX ix_api_keys_prefix ON api_keys (prefix);
CREATE INDEX ix_api_keys_owner ON api_keys (owner);
CREATE UNIQUE INDEX ux_api_keys_key_hash ON api_keys (key_hash);
