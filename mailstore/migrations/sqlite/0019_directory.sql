-- Users from a directory (sak directory sync, LDAP): which users the
-- directory manages. '' for users made in sak (root, local accounts: the
-- sync never touches them); 'listed' for a user the directory lists;
-- 'left' for one the sync disabled because the directory no longer
-- lists them (enabled again should they come back). A user disabled by
-- hand while listed stays 'listed', and disabled.
ALTER TABLE users ADD COLUMN directory TEXT NOT NULL DEFAULT '';
