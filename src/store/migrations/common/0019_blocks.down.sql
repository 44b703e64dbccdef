DROP TABLE block_document_reference;
DROP TABLE block_document;
DROP TABLE block_schema;
DROP TABLE block_type;
