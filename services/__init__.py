"""newsflow's services, in the order articles flow through them: fetcher → processor → indexer."""
