"""Scrapy spiders (one generic spider driven by competitors.yaml)."""
