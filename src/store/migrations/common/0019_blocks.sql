-- Blocks (Prefect's BlockType, BlockSchema, BlockDocument, BlockDocumentReference).
-- Portable SQL for both dialects. Expand-only. A block document's `data` holds its sealed
-- (AES-256-GCM) data, never plaintext; the key is never stored in the database.
CREATE TABLE block_type (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,          -- not unique: Prefect's uniqueness is the slug's
  slug TEXT NOT NULL UNIQUE,
  logo_url TEXT,
  documentation_url TEXT,
  description TEXT,
  code_example TEXT,
  is_protected BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ix_block_type_name ON block_type(name);

CREATE TABLE block_schema (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  checksum TEXT NOT NULL,
  fields TEXT NOT NULL,        -- JSON object: the block's JSON schema
  block_type_id TEXT NOT NULL,
  capabilities TEXT NOT NULL,  -- JSON array of strings
  version TEXT NOT NULL,
  UNIQUE (checksum, version)
);
CREATE INDEX ix_block_schema_block_type_id ON block_schema(block_type_id);
CREATE INDEX ix_block_schema_created ON block_schema(created);

CREATE TABLE block_document (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  data TEXT NOT NULL,          -- sealed JSON object (see store/block_cipher.h)
  block_schema_id TEXT NOT NULL,
  block_type_id TEXT NOT NULL,
  block_type_name TEXT,
  is_anonymous BIGINT NOT NULL DEFAULT 0,
  UNIQUE (block_type_id, name)
);
CREATE INDEX ix_block_document_name ON block_document(name);
CREATE INDEX ix_block_document_block_schema_id ON block_document(block_schema_id);

CREATE TABLE block_document_reference (
  id TEXT PRIMARY KEY,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  name TEXT NOT NULL,
  parent_block_document_id TEXT NOT NULL,
  reference_block_document_id TEXT NOT NULL
);
CREATE INDEX ix_block_document_reference_parent ON block_document_reference(parent_block_document_id);
CREATE INDEX ix_block_document_reference_reference ON block_document_reference(reference_block_document_id);
