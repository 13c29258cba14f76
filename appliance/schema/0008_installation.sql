-- Installation-wide choices an admin makes in the console (not per company): the model that
-- answers, LAN serving, the agents' PCs. One row per name; the value is JSON.
CREATE TABLE installation_setting (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);
