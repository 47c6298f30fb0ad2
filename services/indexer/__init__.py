"""The indexer: writes EnrichedArticles from news.enriched into Elasticsearch behind the news alias."""
