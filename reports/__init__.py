"""Reports: what a manager reads, built from the database (reports sit on storage and monitor).

* `reports.daily.build_daily_report(engine, out_dir, lang=, now=)` -> the HTML path: one
  self-contained file (charts embedded, sortable/filterable findings table, data quality).
* `reports.monthly.build_monthly_report(engine, "YYYY-MM", out_dir, lang=)` -> MonthlyPaths
  (html, pdf): index trend, positions gained/lost, promotions, recommendations taken,
  coverage and data quality.
* `reports.exports.export(engine, out_dir, "csv" | "xlsx")`: latest findings and prices.
* Settings: the `reports:` section of pricewatch.yaml (`reports.config.ReportSettings`).
* Queries live in `storage.repos.reporting` (set-based SQL, SQLite and PostgreSQL).
"""
