-- API keys: only a SHA-256 of each key and a short display prefix, never the key itself.
CREATE TABLE api_keys (
    id           uuid        NOT NULL PRIMARY KEY,
    name         text        NOT NULL,
    owner        text        NULL,
    prefix       text        NOT NULL,
    key_hash     bytea       NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz NULL,
    revoked_at   timestamptz NULL
);

CREATE INDEX ix_api_keys_prefix ON api_keys (prefix);
CREATE INDEX ix_api_keys_owner ON api_keys (owner);
CREATE UNIQUE INDEX ux_api_keys_key_hash ON api_keys (key_hash);
