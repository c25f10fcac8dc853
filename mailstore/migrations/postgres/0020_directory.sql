-- Users and groups from a directory (sak directory sync, LDAP): which
-- the directory manages. '' for those made in sak (root, local accounts
-- and groups: the sync never touches them); 'listed' for one the
-- directory lists; 'left' for one it no longer lists: a user the sync
-- disabled (enabled again should they come back), a group it emptied.
-- A user disabled by hand while listed stays 'listed', and disabled.
ALTER TABLE users ADD COLUMN directory TEXT NOT NULL DEFAULT '';
ALTER TABLE groups ADD COLUMN directory TEXT NOT NULL DEFAULT '';
