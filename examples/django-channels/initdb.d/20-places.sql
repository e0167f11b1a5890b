-- Seed data, read by the /api/places view (not a Django model: it belongs to the database).
CREATE TABLE places (
    id       serial PRIMARY KEY,
    name     text UNIQUE NOT NULL,
    location geography(Point, 4326) NOT NULL
);
INSERT INTO places (name, location) VALUES
    ('Paris',  ST_GeogFromText('SRID=4326;POINT(2.3522 48.8566)')),
    ('London', ST_GeogFromText('SRID=4326;POINT(-0.1276 51.5072)'));
