import type { Kysely } from 'kysely';
import { executeScript } from '../script.ts';

/**
 * A document on a case keeps how widely its author first shared it (`shared_as`) when that was
 * someone outside the council: the council may narrow a family's or an adviser's document and
 * widen it back to that, never beyond it (evidence a family did not agree to share with everyone
 * stays unshared). What a
 * document says (its text, file, title, author and date) never changes once it is on the case:
 * advice, views and letters are not silently rewritten. Only who may see it can change.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    -- Null where the council itself chose (a document its staff added for someone else).
    ALTER TABLE case_document ADD COLUMN shared_as text
      CHECK (shared_as IN ('everyone', 'la_and_family', 'la_only'));
    UPDATE case_document SET shared_as = visibility
      WHERE author_user_id IS NOT NULL
         OR storage_key IN (SELECT storage_key FROM request_document);

    CREATE FUNCTION refuse_change_to_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (NEW.case_id, NEW.kind, NEW.title, NEW.author_name, NEW.author_user_id,
          NEW.document_date, NEW.storage_key, NEW.file_name, NEW.content_type, NEW.size_bytes,
          NEW.body_html, NEW.added_by, NEW.created_at, NEW.shared_as)
         IS DISTINCT FROM
         (OLD.case_id, OLD.kind, OLD.title, OLD.author_name, OLD.author_user_id,
          OLD.document_date, OLD.storage_key, OLD.file_name, OLD.content_type, OLD.size_bytes,
          OLD.body_html, OLD.added_by, OLD.created_at, OLD.shared_as) THEN
        RAISE EXCEPTION 'a document on a case cannot be changed, only who may see it';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER case_document_content_fixed BEFORE UPDATE ON case_document
      FOR EACH ROW EXECUTE FUNCTION refuse_change_to_document();
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    DROP TRIGGER case_document_content_fixed ON case_document;
    DROP FUNCTION refuse_change_to_document();
    ALTER TABLE case_document DROP COLUMN shared_as;
  `,
  );
}
