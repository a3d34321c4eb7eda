-- A draft transfer has not left its unit (004 二(一)): the receiving unit becomes a party, and
-- so a reader, only when the transfer is sent. Drafts stored before this lose that party.
DELETE FROM record_parties
WHERE resource = 'transfer' AND party_role = 'receiver'
  AND record_id IN (SELECT id FROM transfers WHERE state = 'draft');
