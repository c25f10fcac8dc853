-- A mail's search vector is made of the text sak folded (pgfold.go, the
-- same folding as sak_fold) rather than by sak_fold in the database, which
-- cost half of PostgreSQL's CPU during ingest. The insert hands the folded
-- text in fold_text; the trigger makes the vector of it and stores no
-- fold_text. A write that gives none (an UPDATE of the text, a writer
-- other than sak's delivery) gets the vector of sak_fold as before.
-- DROP EXPRESSION keeps every row's vector: no rewrite of the table.
ALTER TABLE messages ALTER COLUMN fts DROP EXPRESSION;
ALTER TABLE messages ADD COLUMN fold_text text;
CREATE FUNCTION sak_messages_fts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.fold_text IS NOT NULL THEN
        NEW.fts := to_tsvector('simple'::regconfig, NEW.fold_text);
        NEW.fold_text := NULL;
    ELSIF TG_OP = 'INSERT' OR NEW.text IS DISTINCT FROM OLD.text THEN
        NEW.fts := to_tsvector('simple'::regconfig, sak_fold(left(NEW.text, 100000)));
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER messages_fts BEFORE INSERT OR UPDATE ON messages
    FOR EACH ROW EXECUTE FUNCTION sak_messages_fts();
