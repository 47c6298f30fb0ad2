"""The processor: faust agents that clean (news.raw → news.clean) and enrich (news.clean → news.enriched)."""
