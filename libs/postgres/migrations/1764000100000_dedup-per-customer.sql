-- Up Migration

-- Dedup is per customer, always: DEDUP_SCOPE=global (one upload row per hash
-- across customers) revealed another customer's upload id, state and folder to
-- anyone holding the hash, and let one customer's pending upload block
-- another's. Its rows move to their customer's own scope. Global allowed one
-- live row per hash overall, so two global rows never meet; but a deployment
-- that switched from customer to global scope can hold, for one customer, a
-- live global row beside a live customer row of the same hash. That global row
-- keeps its id and state under a scope of its own that no lookup asks for
-- (`customer:<id>:upload:<upload id>`), so the customer row stays the one a
-- duplicate request is answered with.
UPDATE uploads g
   SET dedup_scope = CASE
         WHEN g.state NOT IN ('rejected', 'quarantined', 'expired') AND EXISTS (
           SELECT 1 FROM uploads c
            WHERE c.dedup_scope = 'customer:' || g.customer_id::text
              AND c.declared_sha256 = g.declared_sha256
              AND c.state NOT IN ('rejected', 'quarantined', 'expired'))
         THEN 'customer:' || g.customer_id::text || ':upload:' || g.id::text
         ELSE 'customer:' || g.customer_id::text
       END
 WHERE g.dedup_scope <> 'customer:' || g.customer_id::text;

-- And the store refuses any other scope from now on.
ALTER TABLE uploads ADD CONSTRAINT uploads_dedup_per_customer CHECK (
  dedup_scope = 'customer:' || customer_id::text
  OR dedup_scope = 'customer:' || customer_id::text || ':upload:' || id::text
);
