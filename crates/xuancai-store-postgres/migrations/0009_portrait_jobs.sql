-- CON-3, CON-4 (issue 20 item 2): a job that processes faces or portraits
-- (a face swap, a `portrait` cutout, sticker or pack, an `auto` one asked
-- for with the face consent) is marked, so withdrawing the consent cancels
-- every such job, whatever its kind. The parameters are sealed under the
-- owner's key, so the mark is kept beside them.
ALTER TABLE jobs ADD COLUMN faces BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE jobs SET faces = TRUE WHERE kind = 'face_swap';
