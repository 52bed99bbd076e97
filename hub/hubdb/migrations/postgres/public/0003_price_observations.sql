-- Seed 002 on real observations: a price observation says where it was
-- seen (source), and each condition is observed on its own, so the key is
-- one price of one condition from one source at one time. Observations
-- recorded before sources existed keep their prices as source 'recorded'.
CREATE TABLE public_price_observations (
	variant_id  TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('buyback', 'resale')),
	condition   TEXT NOT NULL,       -- intake.Condition name
	observed_at BIGINT NOT NULL,    -- unix ms
	source      TEXT NOT NULL CHECK (source <> ''),
	cents       BIGINT NOT NULL CHECK (cents >= 0),
	-- condition before observed_at: a condition's newest price is one
	-- index seek.
	PRIMARY KEY (variant_id, kind, condition, observed_at, source)
);
-- A window of a variant's observations, every condition: counted, its
-- newest and its sources read from the index alone.
CREATE INDEX public_price_observations_time ON public_price_observations(variant_id, kind, observed_at, source);
INSERT INTO public_price_observations (variant_id, kind, condition, observed_at, source, cents)
	SELECT variant_id, kind, condition, recorded_at, 'recorded', cents FROM public_price_history;
DROP TABLE public_price_history;
