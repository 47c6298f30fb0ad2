"""The fetcher: reads sources and publishes RawArticles to news.raw."""
