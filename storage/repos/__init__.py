"""Repositories: the only place that talks SQL. Business rules get plain data from here.

One module per aggregate: `observations` (bulk insert, latest good price, history),
`catalog` (our products), `listings` (competitors, listings, crawl runs).
"""
