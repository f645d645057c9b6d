#include "store/migrations.hpp"

namespace myelin::store {

const std::vector<std::string>& migrations() {
    static const std::vector<std::string> list = {
        // 1: accounts, devices, access tokens, profiles, registration tokens.
        R"SQL(
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    password_hash TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    deactivated INTEGER NOT NULL DEFAULT 0,
    created_ts BIGINT NOT NULL
);
CREATE TABLE profiles (
    user_id TEXT PRIMARY KEY REFERENCES users(user_id),
    displayname TEXT,
    avatar_url TEXT
);
CREATE TABLE devices (
    user_id TEXT NOT NULL REFERENCES users(user_id),
    device_id TEXT NOT NULL,
    display_name TEXT,
    last_seen_ip TEXT,
    last_seen_ts BIGINT,
    PRIMARY KEY (user_id, device_id)
);
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    created_ts BIGINT NOT NULL,
    FOREIGN KEY (user_id, device_id) REFERENCES devices(user_id, device_id) ON DELETE CASCADE
);
CREATE INDEX access_tokens_by_device ON access_tokens(user_id, device_id);
CREATE TABLE registration_tokens (
    token TEXT PRIMARY KEY,
    uses_allowed BIGINT,
    completed BIGINT NOT NULL DEFAULT 0,
    expiry_ts BIGINT
);
)SQL",
        // 2: rooms and events. One global stream position orders events and account data.
        R"SQL(
CREATE TABLE stream_positions (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pos BIGINT NOT NULL
);
INSERT INTO stream_positions (id, pos) VALUES (1, 0);
CREATE TABLE rooms (
    room_id TEXT PRIMARY KEY,
    room_version TEXT NOT NULL,
    creator TEXT NOT NULL,
    is_public INTEGER NOT NULL DEFAULT 0,
    created_ts BIGINT NOT NULL,
    head_event_id TEXT,
    head_depth BIGINT NOT NULL DEFAULT 0,
    head_stream BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE events (
    stream_ordering BIGINT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    state_key TEXT,
    sender TEXT NOT NULL,
    origin_server_ts BIGINT NOT NULL,
    depth BIGINT NOT NULL,
    json TEXT NOT NULL,
    redacted_by TEXT
);
CREATE INDEX events_by_room ON events(room_id, stream_ordering);
CREATE TABLE current_state (
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    state_key TEXT NOT NULL,
    event_id TEXT NOT NULL,
    stream_ordering BIGINT NOT NULL,
    PRIMARY KEY (room_id, type, state_key)
);
CREATE TABLE state_history (
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    state_key TEXT NOT NULL,
    stream_ordering BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    membership TEXT,
    PRIMARY KEY (room_id, type, state_key, stream_ordering)
);
CREATE TABLE memberships (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    membership TEXT NOT NULL,
    event_id TEXT NOT NULL,
    stream_ordering BIGINT NOT NULL,
    forgotten INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, room_id)
);
CREATE INDEX memberships_by_room ON memberships(room_id, membership);
CREATE TABLE event_txns (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, txn_id)
);
CREATE TABLE event_relations (
    event_id TEXT PRIMARY KEY,
    relates_to TEXT NOT NULL,
    rel_type TEXT NOT NULL,
    stream_ordering BIGINT NOT NULL
);
CREATE INDEX relations_by_parent ON event_relations(relates_to, stream_ordering);
CREATE TABLE room_aliases (
    alias TEXT PRIMARY KEY,
    room_id TEXT NOT NULL,
    creator TEXT NOT NULL
);
CREATE INDEX aliases_by_room ON room_aliases(room_id);
CREATE TABLE account_data (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    type TEXT NOT NULL,
    content TEXT NOT NULL,
    stream_position BIGINT NOT NULL,
    PRIMARY KEY (user_id, room_id, type)
);
CREATE INDEX account_data_by_stream ON account_data(user_id, stream_position);
)SQL",
        // 3: sync: filters and the indexes incremental sync reads by position.
        R"SQL(
CREATE TABLE filters (
    user_id TEXT NOT NULL,
    filter_id BIGINT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (user_id, filter_id)
);
CREATE INDEX memberships_by_user_stream ON memberships(user_id, stream_ordering);
CREATE INDEX event_txns_by_event ON event_txns(event_id);
)SQL",
        // 4: read receipts, the latest per (room, user, type, thread).
        R"SQL(
CREATE TABLE receipts (
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    receipt_type TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    ts BIGINT NOT NULL,
    stream_position BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id, receipt_type, thread_id)
);
CREATE INDEX receipts_by_stream ON receipts(stream_position);
)SQL",
        // 5: to-device messages, kept until the receiving device acknowledges them.
        R"SQL(
CREATE TABLE to_device (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    stream_position BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    sender TEXT NOT NULL,
    type TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, stream_position, seq)
);
CREATE TABLE to_device_txns (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    txn_id TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, txn_id)
);
)SQL",
        // 6: end-to-end encryption keys, the device-list change log, key backup.
        R"SQL(
CREATE TABLE device_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id)
);
CREATE TABLE one_time_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (user_id, device_id, algorithm, key_id)
);
CREATE TABLE fallback_keys (
    user_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    key_id TEXT NOT NULL,
    json TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, device_id, algorithm)
);
CREATE TABLE cross_signing_keys (
    user_id TEXT NOT NULL,
    usage TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (user_id, usage)
);
CREATE TABLE key_signatures (
    target_user TEXT NOT NULL,
    target_key_id TEXT NOT NULL,
    signer_user TEXT NOT NULL,
    signer_key_id TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (target_user, target_key_id, signer_user, signer_key_id)
);
CREATE TABLE device_list_changes (
    stream_position BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (stream_position, user_id)
);
CREATE INDEX member_history_by_stream ON state_history(stream_ordering)
    WHERE type = 'm.room.member';
CREATE TABLE backup_versions (
    user_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    algorithm TEXT NOT NULL,
    auth_data TEXT NOT NULL,
    etag BIGINT NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, version)
);
CREATE TABLE backup_keys (
    user_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    room_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (user_id, version, room_id, session_id)
);
)SQL",
        // 7: push actions: which events notify (or highlight for) which user, until read.
        R"SQL(
CREATE TABLE event_push_actions (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    stream_ordering BIGINT NOT NULL,
    thread_id TEXT NOT NULL,
    highlight INTEGER NOT NULL,
    PRIMARY KEY (user_id, room_id, stream_ordering)
);
)SQL",
        // 8: presence; each change takes a stream position so sync can report it by range.
        R"SQL(
CREATE TABLE presence (
    user_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    status_msg TEXT,
    last_active_ts BIGINT NOT NULL,
    stream_position BIGINT NOT NULL
);
CREATE INDEX presence_by_stream ON presence(stream_position);
)SQL",
        // 9: user-interactive-auth sessions (shared by every process on the database).
        R"SQL(
CREATE TABLE uia_sessions (
    session_id TEXT PRIMARY KEY,
    operation TEXT NOT NULL,
    completed TEXT NOT NULL,
    created_ts BIGINT NOT NULL
);
)SQL",
        // 10: push actions kept in room order, with a running count per (user, room, thread).
        // Keyed by user first, every message added one row at a random place of an index that
        // grows with history: the pages a message touched, and so its cost, grew as the server
        // aged. Rows now go to the end of their room; the counts table is as big as the number
        // of (user, room, thread) triples, not as the history.
        R"SQL(
CREATE TABLE push_actions (
    room_id TEXT NOT NULL,
    stream_ordering BIGINT NOT NULL,
    user_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    highlight INTEGER NOT NULL,
    PRIMARY KEY (room_id, stream_ordering, user_id)
)/*CLUSTERED*/;
INSERT INTO push_actions (room_id, stream_ordering, user_id, thread_id, highlight)
    SELECT room_id, stream_ordering, user_id, thread_id, highlight FROM event_push_actions;
-- notifications and highlights: the user's actions in that room and thread after from_pos.
CREATE TABLE push_counts (
    user_id TEXT NOT NULL,
    room_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    from_pos BIGINT NOT NULL,
    notifications BIGINT NOT NULL,
    highlights BIGINT NOT NULL,
    PRIMARY KEY (user_id, room_id, thread_id)
)/*CLUSTERED*/;
INSERT INTO push_counts (user_id, room_id, thread_id, from_pos, notifications, highlights)
    SELECT user_id, room_id, thread_id, 0, COUNT(*), SUM(highlight) FROM event_push_actions
    GROUP BY user_id, room_id, thread_id;
DROP TABLE event_push_actions;
)SQL",
        // 11: push counts in room order. A message adds to the count of each member of its
        // room: keyed by user first, those rows lay on as many pages as the room has members;
        // now they lie together.
        R"SQL(
CREATE TABLE push_counts_by_room (
    room_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    thread_id TEXT NOT NULL,
    from_pos BIGINT NOT NULL,
    notifications BIGINT NOT NULL,
    highlights BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id, thread_id)
)/*CLUSTERED*/;
INSERT INTO push_counts_by_room (room_id, user_id, thread_id, from_pos, notifications, highlights)
    SELECT room_id, user_id, thread_id, from_pos, notifications, highlights FROM push_counts;
DROP TABLE push_counts;
ALTER TABLE push_counts_by_room RENAME TO push_counts;
)SQL",
        // 12: the media repository's metadata and its thumbnails (the bytes are files named by
        // their SHA-256).
        R"SQL(
CREATE TABLE media (
    media_id TEXT PRIMARY KEY,
    uploader TEXT NOT NULL,
    content_type TEXT,
    file_name TEXT,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_ts BIGINT NOT NULL,
    last_access_ts BIGINT NOT NULL,
    quarantined INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX media_by_hash ON media (sha256);
CREATE INDEX media_by_uploader ON media (uploader);
CREATE TABLE media_thumbnails (
    media_id TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    method TEXT NOT NULL,
    animated INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (media_id, width, height, method, animated)
);
CREATE INDEX media_thumbnails_by_hash ON media_thumbnails (sha256);
CREATE TABLE media_pending (
    media_id TEXT PRIMARY KEY,
    uploader TEXT NOT NULL,
    expires_ts BIGINT NOT NULL
);
CREATE INDEX media_pending_by_uploader ON media_pending (uploader);
)SQL",
        // 13: URL previews as answered, kept for whoever asks next.
        R"SQL(
CREATE TABLE url_previews (
    url TEXT PRIMARY KEY,
    fetched_ts BIGINT NOT NULL,
    og TEXT NOT NULL
);
CREATE INDEX url_previews_by_ts ON url_previews (fetched_ts);
)SQL",
        // 14: other servers' signing keys, each with the signed answer that named it.
        R"SQL(
CREATE TABLE remote_server_keys (
    server_name TEXT NOT NULL,
    key_id TEXT NOT NULL,
    verify_key TEXT NOT NULL,
    valid_until_ts BIGINT NOT NULL,
    expired_ts BIGINT,
    key_json TEXT NOT NULL,
    fetched_ts BIGINT NOT NULL,
    PRIMARY KEY (server_name, key_id)
);
)SQL",
    };
    return list;
}

} // namespace myelin::store
