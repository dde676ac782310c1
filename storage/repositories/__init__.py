"""Queries, one module per aggregate, imported by the module a caller reads from
(`from storage.repositories import touchpoints as touchpoint_rows`). Each function takes the caller's session;
none commits (the unit of work does)."""
