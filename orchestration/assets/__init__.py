"""Dagster asset definitions: raw feeds landed as Parquet, and the dbt project."""
