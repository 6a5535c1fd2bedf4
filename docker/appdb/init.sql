-- The example application database of docker-compose.yml (service appdb): the table of the README's
-- table-backed walk-through, as an existing application would own it, with two rows.
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id serial PRIMARY KEY, full_name text NOT NULL, email text UNIQUE);
INSERT INTO shop.customers (full_name, email) VALUES ('Ann Lee', 'ann@example.com'), ('Bo Chen', NULL);
