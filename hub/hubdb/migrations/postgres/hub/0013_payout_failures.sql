-- A card payout the processor refused is a step of its ledger ('fail',
-- intake.PayoutFail): it waits for staff instead of being tried again
-- forever.
ALTER TABLE payout_entries DROP CONSTRAINT payout_entries_kind_check;
ALTER TABLE payout_entries ADD CONSTRAINT payout_entries_kind_check
    CHECK (kind IN ('obligation', 'hold', 'release', 'settle', 'fail', 'void'));
