-- A merged ticket's merged_into names the ticket that holds it now, one
-- hop away: a merge also moves the tickets merged into the merged ticket
-- (Merge). Chains left by merges made before (A into B, then B into C)
-- are shortened here: A then points at C.
WITH RECURSIVE chain(id, target) AS (
    SELECT id, merged_into FROM tickets WHERE merged_into IS NOT NULL
    UNION
    SELECT c.id, t.merged_into FROM chain c JOIN tickets t ON t.id = c.target WHERE t.merged_into IS NOT NULL
)
UPDATE tickets SET merged_into = (
    SELECT c.target FROM chain c
    WHERE c.id = tickets.id AND NOT EXISTS (SELECT 1 FROM tickets h WHERE h.id = c.target AND h.merged_into IS NOT NULL)
)
WHERE merged_into IN (SELECT id FROM tickets WHERE merged_into IS NOT NULL);
