"""The dataset on disk: writer, reader, schemas and validation."""
