-- Product search (API.md, GET /v1/products/search): the catalog's searchable text, kept by a
-- projection of the journal (adapters/search/product_search.cpp), with a full-text index.
-- 'simple': no stemming and no stop words, the same for every language; prefixes match with :*.
-- Every run of other characters than ASCII letters and digits splits words, exactly as the
-- query's terms are split (MUG-1: mug, 1; crème: cr, me), where PostgreSQL's parser would keep
-- 'mug-1' and '-1', and what a letter is would depend on the database's locale.
CREATE TABLE catalog_search (
  sku      text PRIMARY KEY,
  name     text   NOT NULL,
  category text   NOT NULL DEFAULT '',
  -- The product's stream version this row reflects: a batch delivered again never goes back.
  version  bigint NOT NULL,
  document tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', regexp_replace(name, '[^A-Za-z0-9]+', ' ', 'g')), 'A') ||
    setweight(to_tsvector('simple', regexp_replace(sku, '[^A-Za-z0-9]+', ' ', 'g')), 'B') ||
    setweight(to_tsvector('simple', regexp_replace(category, '[^A-Za-z0-9]+', ' ', 'g')), 'C')) STORED
);
CREATE INDEX catalog_search_document ON catalog_search USING GIN (document);
