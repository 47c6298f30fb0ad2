"""Apache Kafka and Elasticsearch on any machine, without Docker."""
