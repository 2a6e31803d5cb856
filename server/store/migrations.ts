// The store's schema, one migration per version, applied in order and never edited once released:
// a change is a new migration. SQLite's user_version says how many have been applied.
export const MIGRATIONS: readonly string[] = [
  /* 1: people, their one-time sign-in links and sessions; API tokens. Secrets are kept only as hashes. */ `
  CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'crew', 'bridge', 'admin')),
    password TEXT,
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE sign_in_links (
    hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    expires_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'crew', 'bridge', 'admin')),
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used TEXT
  ) STRICT;`,
  /* 2: the audit log: who did what, from where. */ `
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    address TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
  ) STRICT;`,
  /* 3: Web Push subscriptions: where each browser's push service takes our pushes, and its keys. */ `
  CREATE TABLE push_subscriptions (
    endpoint TEXT PRIMARY KEY,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    person_id INTEGER REFERENCES people (id) ON DELETE CASCADE,
    muted TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    last_ok TEXT
  ) STRICT;`,
  /*
   * 4: the telegraph's memory (server/store/memory.ts), which replaces journal.jsonl. `events`: every
   * order, answer and expiry, who gave it and from where; `data` is the core's own object. `telegraph`:
   * one row, the current order and answer, the last seq given, and the store's random epoch.
   */ `
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('order', 'answer', 'expire')),
    seq INTEGER NOT NULL,
    position INTEGER,
    given_by TEXT,
    answerer TEXT,
    who TEXT,
    address TEXT,
    source TEXT,
    link TEXT,
    acknowledges INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
  ) STRICT;
  CREATE INDEX events_kind_seq ON events (kind, seq);
  CREATE INDEX events_at ON events (at);
  CREATE TABLE telegraph (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    current_order TEXT,
    answer TEXT,
    journal_imported TEXT
  ) STRICT;
  INSERT INTO telegraph (id, epoch, seq) VALUES (1, lower(hex(randomblob(16))), 0);`,
  /* 5: when each session was last used, for the idle timeout; sessions from before start afresh now. */ `
  ALTER TABLE sessions ADD COLUMN last_used TEXT NOT NULL DEFAULT '';
  UPDATE sessions SET last_used = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');`,
  /*
   * 6: push subscriptions' consecutive failed pushes (the subscription goes after a few) and who
   * made them, for the caps per address and per person; rows from before count for neither.
   */ `
  ALTER TABLE push_subscriptions ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE push_subscriptions ADD COLUMN address TEXT;
  CREATE INDEX push_subscriptions_address ON push_subscriptions (address);
  CREATE INDEX push_subscriptions_person ON push_subscriptions (person_id);`,
  /*
   * 7: several telegraphs (issue 16). The state row is per telegraph, by slug, and every event says
   * whose it is; what one telegraph had before is the default one's ('default', lib/telegraphs.ts).
   */ `
  CREATE TABLE telegraphs (
    slug TEXT PRIMARY KEY,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    current_order TEXT,
    answer TEXT,
    journal_imported TEXT
  ) STRICT;
  INSERT INTO telegraphs SELECT 'default', epoch, seq, current_order, answer, journal_imported FROM telegraph;
  DROP TABLE telegraph;
  ALTER TABLE events ADD COLUMN telegraph TEXT NOT NULL DEFAULT 'default';
  DROP INDEX events_kind_seq;
  CREATE INDEX events_telegraph_kind_seq ON events (telegraph, kind, seq);
  CREATE INDEX events_telegraph_at ON events (telegraph, at);`,
  /*
   * 8: history (issue 16, server/history/). `receipts`: how each order reached each panel, kept 14
   * days; `rollups`: each day's orders per position, kept for good, so statistics stay exact once the
   * raw events are gone (`first_answers`: the day's times to first answer in ms, sorted, as JSON;
   * `by_hour`: its orders per local hour, 24 counts); `rolled_up`: per telegraph, the last order
   * rolled up (by seq). Pages filtered by position read `events_telegraph_kind_position_seq`.
   */ `
  CREATE TABLE receipts (
    id INTEGER PRIMARY KEY,
    telegraph TEXT NOT NULL,
    seq INTEGER NOT NULL,
    panel TEXT NOT NULL,
    heard TEXT NOT NULL CHECK (heard IN ('delivered', 'rang', 'muted', 'blocked')),
    name TEXT,
    at TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX receipts_telegraph_seq_panel ON receipts (telegraph, seq, panel);
  CREATE INDEX receipts_at ON receipts (at);
  CREATE TABLE rollups (
    telegraph TEXT NOT NULL,
    day TEXT NOT NULL,
    position INTEGER NOT NULL,
    orders INTEGER NOT NULL,
    answered INTEGER NOT NULL,
    unanswered INTEGER NOT NULL,
    first_answers TEXT NOT NULL,
    by_hour TEXT NOT NULL,
    PRIMARY KEY (telegraph, day, position)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE rolled_up (
    telegraph TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX events_telegraph_kind_position_seq ON events (telegraph, kind, position, seq);`,
  /*
   * 9: roles per telegraph (issue 16). `telegraph_roles`: the role a person has on one telegraph, over
   * their own ('none': they may not see it); `token_telegraphs`: the only telegraphs a token works on
   * (a token with no rows works on every one, as every token did before).
   */ `
  CREATE TABLE telegraph_roles (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    telegraph TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('none', 'viewer', 'crew', 'bridge')),
    PRIMARY KEY (person_id, telegraph)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE token_telegraphs (
    token_id INTEGER NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    telegraph TEXT NOT NULL,
    PRIMARY KEY (token_id, telegraph)
  ) STRICT, WITHOUT ROWID;`,
  /*
   * 10: Web Push per telegraph (issue 16). A subscription stays one row per browser (the limits count
   * browsers); `push_follows` holds the telegraphs it follows, each with its muted positions. One made
   * before follows the telegraph it was made on: the first row of `telegraphs` is the memory from
   * before issue 16 ('default', or the telegraph that adopted it: server/store/adopt.ts moves the
   * follows along, as they say whose they are).
   */ `
  CREATE TABLE push_follows (
    endpoint TEXT NOT NULL REFERENCES push_subscriptions (endpoint) ON DELETE CASCADE ON UPDATE CASCADE,
    telegraph TEXT NOT NULL,
    muted TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (endpoint, telegraph)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX push_follows_telegraph ON push_follows (telegraph);
  INSERT INTO push_follows (endpoint, telegraph, muted)
    SELECT endpoint, (SELECT slug FROM telegraphs ORDER BY rowid LIMIT 1), muted FROM push_subscriptions;
  ALTER TABLE push_subscriptions DROP COLUMN muted;`,
];
