DROP TABLE configuration;
