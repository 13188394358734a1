"""Pipeline stages: each module holds plain functions or classes plus a thin Prefect task wrapper."""
