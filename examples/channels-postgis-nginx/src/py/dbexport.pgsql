--
-- PostgreSQL database dump (the shopping advisor's seed data)
--

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

CREATE TABLE public.advisor_tip (
    id integer NOT NULL,
    shop character varying(100) NOT NULL,
    tip text NOT NULL
);

CREATE SEQUENCE public.advisor_tip_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;
ALTER SEQUENCE public.advisor_tip_id_seq OWNED BY public.advisor_tip.id;
ALTER TABLE ONLY public.advisor_tip ALTER COLUMN id SET DEFAULT nextval('public.advisor_tip_id_seq'::regclass);

COPY public.advisor_tip (id, shop, tip) FROM stdin;
1	Corner Bakery	Buy bread after 6 pm: half price
2	Green Grocer	Seasonal fruit is cheapest on Mondays
3	Book Nook	Second-hand shelf at the back
\.

SELECT pg_catalog.setval('public.advisor_tip_id_seq', 3, true);

ALTER TABLE ONLY public.advisor_tip ADD CONSTRAINT advisor_tip_pkey PRIMARY KEY (id);

--
-- PostgreSQL database dump complete
--
