-- The hub verifies public API keys against its own api_keys table. This
-- second key table was read only by the public package's test key store,
-- so no key in it was ever honoured by a running hub. IF EXISTS, so that a
-- file that lost the table some other way still opens.
DROP TABLE IF EXISTS public_api_keys;
