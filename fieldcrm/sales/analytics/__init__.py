"""The analytics engine (issue 14): a columnar copy of orders and visit observations (`store`), the same
canonical Ibis tables from DuckDB, PostgreSQL or Spark (`sources`), and the four analyses plus the sales part
of the scorecard, each written once as Ibis expressions (`analyses`)."""
