"""Deployment assets: the local Docker-free stack, Elasticsearch templates and Kibana saved objects."""
