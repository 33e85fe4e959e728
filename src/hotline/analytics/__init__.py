"""The big-data analysis platform: a columnar DuckDB copy of the store and the analysis modules."""
