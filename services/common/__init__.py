"""The common layer: settings, Kafka plumbing, process runtime, observability and page metadata, shared by
every service and tool. It imports nothing from the services or the operations layer."""
